import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function run(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, file), ...args],
      // A clean environment: only what the case sets, plus PATH for tsx.
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === 'number' ? err.code : err ? null : 0;
        resolve({ code, stderr, stdout });
      },
    );
  });
}

/**
 * A bad setting stops every entry point the same way: one sentence naming what is wrong on stderr, no
 * stack trace, exit code 2, and nothing started.
 */
describe('every entry point reports a bad setting the same way', () => {
  const badSetting = { CANARY_BATCH_SIZE: 'lots' };
  const sentence = /^(canary: )?Invalid configuration: CANARY_BATCH_SIZE .+ \(got "lots"\)\.\n$/;

  it.each([
    ['npm start', 'src/main.ts', [] as string[]],
    ['npm run worker', 'workers/evaluation.ts', []],
    ['npm run demo', 'src/demo/main.ts', []],
    ['the CLI', 'src/cli/main.ts', ['migrate']],
  ])('%s', async (_name, file, args) => {
    const result = await run(file, args, badSetting);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(sentence);
    expect(result.stdout).toBe('');
  });

  it('npm run worker without DATABASE_URL', async () => {
    const result = await run('workers/evaluation.ts', [], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^Invalid configuration: a separate worker process needs DATABASE_URL .+\.\n$/,
    );
  });

  it('npm run modelserver (flags, not environment)', async () => {
    const result = await run('src/modelserver/main.ts', ['--port', 'eighty'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('--port must be a non-negative integer, got "eighty"\n');
    expect(result.stdout).toBe('');
  });
});
