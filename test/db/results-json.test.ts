import { describe, expect, it } from 'vitest';
import { intArrayLiteral } from '../../src/db/executed.ts';
import { type NewResult, resultsJson } from '../../src/db/queries/results.ts';

const base: NewResult = {
  modelId: 1,
  patternRevisionId: 2,
  patternId: 3,
  problemId: 4,
  run: 1,
  evaluationId: 5,
  status: 'passed',
  reason: 'ok "quoted"',
  attempts: 1,
};

/** What the statement used to bind: JSON.stringify of column-named records (absent values null). */
function reference(rows: NewResult[]): unknown {
  return rows.map((r) => ({
    model_id: r.modelId,
    pattern_revision_id: r.patternRevisionId,
    pattern_id: r.patternId,
    problem_id: r.problemId,
    run: r.run,
    evaluation_id: r.evaluationId,
    status: r.status,
    output: r.output ?? null,
    prediction: r.prediction ?? null,
    reason: r.reason,
    latency_ms: r.latencyMs ?? null,
    attempts: r.attempts,
  }));
}

describe('resultsJson', () => {
  it('writes the same records as JSON.stringify of column-named objects', () => {
    const rows: NewResult[] = [
      base,
      {
        ...base,
        run: 2,
        output: { label: 'pos', raw: [0.1, 0.9] },
        prediction: { label: 'pos', score: 0.9 },
        latencyMs: 12,
      },
      { ...base, run: 3, status: 'errored', output: null, latencyMs: null, reason: 'line\nbreak\u2028' },
      { ...base, run: 4, output: 'text answer', prediction: { label: 'x', variants: [{ label: 'y' }] } },
    ];
    expect(JSON.parse(resultsJson(rows))).toEqual(reference(rows));
  });

  it('cleans what Postgres cannot store and says so in the reason', () => {
    const [row] = JSON.parse(resultsJson([{ ...base, output: { label: 'a\u0000' } }])) as {
      output: { label: string };
      reason: string;
    }[];
    expect(row?.output.label).toBe('a\ufffd');
    expect(row?.reason).toContain('replaced by U+FFFD');
  });

  it('writes an empty batch as an empty array', () => {
    expect(resultsJson([])).toBe('[]');
  });
});

describe('intArrayLiteral', () => {
  it('binds whole numbers as one array literal and refuses anything else', () => {
    expect(intArrayLiteral([1, 22, 333])).toBe('{1,22,333}');
    expect(intArrayLiteral([])).toBe('{}');
    expect(() => intArrayLiteral([1.5])).toThrow(TypeError);
  });
});
