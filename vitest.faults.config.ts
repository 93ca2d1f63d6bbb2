import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: kills workers, restarts Redis and Postgres, breaks the model endpoint and Slack.
 * One file at a time: the tests own child processes and private servers, and the 2-core box must not be
 * shared between two of them, or timing faults would land where they were not meant to.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-fast-check.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    // A fault test's figures are its output: show console.log lines as they come.
    silent: false,
  },
});
