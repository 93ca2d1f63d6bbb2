#!/usr/bin/env node
// The `canary` CLI. Runs the compiled CLI in dist/ (`npm run build`), as a deployment and the Docker image do:
// plain node, no loader. In a development checkout without a build it falls back to the TypeScript source
// through tsx (a dev dependency); `npm run canary -- …` always runs the source.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      'canary: dist/ is missing and tsx is not installed; run `npm ci && npm run build`.\n',
    );
    process.exit(2);
  }
  register();
  await import('../src/cli/main.ts');
}
