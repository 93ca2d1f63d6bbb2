import { describe, expect, it } from 'vitest';
import type { CheckAid, Expectation } from '../../src/core/expectations/handler.ts';
import {
  checkExpectation,
  cosine,
  describeExpectation,
  gradingNeed,
  parseExpectation,
  parseRubricAnswer,
  rubricPrompt,
} from '../../src/core/expectations/index.ts';
import { prediction } from './factories.ts';

type Status = 'passed' | 'failed' | 'errored';

function statusOf(expectation: Expectation, text: string | undefined, aid?: CheckAid): Status {
  const check = checkExpectation(expectation, prediction(text === undefined ? {} : { text }), [], aid);
  if (check.errored) return 'errored';
  return check.pass ? 'passed' : 'failed';
}

function parsed(value: unknown): Expectation {
  const result = parseExpectation(value);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('parsing the generative kinds', () => {
  it.each([
    [{ json_schema: 'object' }, '"json_schema" must be a JSON Schema'],
    [{ json_schema: { type: 'nonsense' } }, 'not a valid JSON Schema 2020-12'],
    // Schema patterns run on the linear-time engine, so what it cannot run is refused at entry.
    [{ json_schema: { type: 'string', pattern: '^(a)\\1$' } }, 'backreference'],
    [{ json_schema: { patternProperties: { '(?=x)': {} } } }, 'lookahead'],
    [{ length: 5 }, '"length" must be an object'],
    [{ length: {} }, 'needs at least one of "min" or "max"'],
    [{ length: { min: 5, max: 2 } }, 'greater than'],
    [{ length: { max: 1.5 } }, 'whole number'],
    [{ length: { max: 3, unit: 'tokens' } }, '"chars" or "words"'],
    [{ length: { max: 3, size: 1 } }, 'only takes "min", "max" and "unit"'],
    [{ judge: 'toxicity@1' }, '"judge" must be an object'],
    [{ judge: { label: 'x' } }, '"judge.grader" must name a registered model'],
    [{ judge: { grader: 'toxicity', label: 'x' } }, 'not a model reference'],
    [{ judge: { grader: 'toxicity@1' } }, 'needs a "rubric", or what the grader must say'],
    [{ judge: { grader: 'judge@1', rubric: 'x', label: 'y' } }, 'drop "label"'],
    [{ judge: { grader: 'judge@1', rubric: '  ' } }, 'non-empty string'],
    [{ judge: { grader: 't@1', label: 'a', not_label: 'b' } }, 'not both'],
    [{ judge: { grader: 't@1', min_score: 0.9, max_score: 0.1 } }, 'greater than'],
    [{ judge: { grader: 't@1', label: 'a', threshold: 1 } }, 'does not take "threshold"'],
    [{ similar: { to: 'x', min: 0.8 } }, '"similar.embedder" must name a registered model'],
    [{ similar: { to: '', min: 0.8, embedder: 'e@1' } }, '"similar.to"'],
    [{ similar: { to: 'x', min: 2, embedder: 'e@1' } }, 'from -1 to 1'],
  ])('refuses %j with a clear message', (value, message) => {
    const result = parseExpectation(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it.each([
    [{ json_schema: { type: 'object', required: ['reply'] } }, 'JSON matching a schema'],
    [{ length: { min: 1, max: 400 } }, 'length 1–400 characters'],
    [{ length: { max: 20, unit: 'words' } }, 'length at most 20 words'],
    [{ judge: { grader: 'toxicity@1', label: 'non_toxic' } }, 'toxicity@1 = non_toxic'],
    [{ judge: { grader: 'judge@1', rubric: 'Offers a refund.' } }, 'judge@1 judges: Offers a refund.'],
    [{ similar: { to: 'hello', min: 0.8, embedder: 'emb@1' } }, 'similar (≥ 0.8) to "hello"'],
  ])('accepts %j and describes it as %s', (value, description) => {
    expect(describeExpectation(parsed(value))).toBe(description);
  });

  it('says which model a judge or similar check needs, and nothing for the others', () => {
    expect(gradingNeed(parsed({ judge: { grader: 'judge@1', rubric: 'r' } }))).toEqual({
      kind: 'grader',
      grader: 'judge@1',
      rubric: 'r',
    });
    expect(gradingNeed(parsed({ similar: { to: 't', min: 0.5, embedder: 'emb@2' } }))).toEqual({
      kind: 'embedder',
      embedder: 'emb@2',
      reference: 't',
    });
    expect(gradingNeed({ label: 'x' })).toBeUndefined();
  });
});

describe('json_schema', () => {
  const schema = parsed({
    json_schema: {
      type: 'object',
      required: ['reply'],
      properties: { reply: { type: 'string' }, ticket: { type: 'integer' } },
      additionalProperties: false,
    },
  });
  it.each<[string | undefined, Status]>([
    ['{"reply": "hi"}', 'passed'],
    ['{"reply": "hi", "ticket": 4}', 'passed'],
    ['{"reply": "hi", "ticket": 4.5}', 'failed'],
    ['{"ticket": 4}', 'failed'],
    ['{"reply": "hi", "extra": 1}', 'failed'],
    ["{reply: 'hi'}", 'failed'],
    ['[]', 'failed'],
    [undefined, 'failed'],
  ])('%s → %s', (text, status) => {
    expect(statusOf(schema, text)).toBe(status);
  });
  it('names the failing place', () => {
    expect(checkExpectation(schema, prediction({ text: '{"reply": 3}' })).reason).toContain(
      '/reply must be string',
    );
  });
});

describe('length', () => {
  it.each<[Expectation, string, Status]>([
    [{ length: { max: 5, unit: 'chars' } }, 'hello', 'passed'],
    [{ length: { max: 4, unit: 'chars' } }, 'hello', 'failed'],
    [{ length: { max: 1, unit: 'chars' } }, '👍', 'passed'],
    [{ length: { min: 3, unit: 'words' } }, 'one two', 'failed'],
    [{ length: { min: 2, max: 2, unit: 'words' } }, '  one \n two ', 'passed'],
    [{ length: { min: 1, unit: 'chars' } }, '', 'failed'],
  ])('%j on %j → %s', (expectation, text, status) => {
    expect(statusOf(expectation, text)).toBe(status);
  });
});

const grade = (p: Record<string, unknown>, grader = 'toxicity@1'): CheckAid => ({
  grade: { grader, prediction: prediction(p) },
});

describe('judge by a classifier', () => {
  it.each<[Expectation, CheckAid | undefined, Status]>([
    [{ judge: { grader: 'toxicity@1', label: 'non_toxic' } }, grade({ label: 'non_toxic' }), 'passed'],
    [{ judge: { grader: 'toxicity@1', label: 'non_toxic' } }, grade({ label: 'NON_TOXIC ' }), 'passed'],
    [{ judge: { grader: 'toxicity@1', label: 'non_toxic' } }, grade({ label: 'toxic' }), 'failed'],
    [{ judge: { grader: 'toxicity@1', label: 'non_toxic' } }, grade({ text: 'non_toxic' }), 'passed'],
    [{ judge: { grader: 'toxicity@1', not_label: 'toxic' } }, grade({ label: 'toxic' }), 'failed'],
    [{ judge: { grader: 'toxicity@1', not_label: 'toxic' } }, grade({ label: 'fine' }), 'passed'],
    [{ judge: { grader: 'toxicity@1', max_score: 0.2 } }, grade({ score: 0.1 }), 'passed'],
    [{ judge: { grader: 'toxicity@1', max_score: 0.2 } }, grade({ score: 0.5 }), 'failed'],
    [{ judge: { grader: 'toxicity@1', min_score: 0.5 } }, grade({ score: 0.4 }), 'failed'],
    [{ judge: { grader: 'toxicity@1', min_score: 0.5 } }, grade({ label: 'x' }), 'errored'],
    [{ judge: { grader: 'toxicity@1', label: 'x' } }, grade({ score: 1 }), 'errored'],
    [{ judge: { grader: 'toxicity@1', label: 'x' } }, undefined, 'errored'],
    [
      { judge: { grader: 'toxicity@1', label: 'x' } },
      { grade: { grader: 'toxicity@1', error: 'HTTP 500' } },
      'errored',
    ],
  ])('%j with %j → %s', (expectation, aid, status) => {
    expect(statusOf(expectation, 'whatever the bot said', aid)).toBe(status);
  });
});

describe('judge by a rubric', () => {
  const rubric: Expectation = { judge: { grader: 'judge@1', rubric: 'Offers a refund.' } };
  it.each<[string, Status]>([
    ['{"pass": true, "reason": "offers a refund"}', 'passed'],
    ['{"pass": false, "reason": "no refund"}', 'failed'],
    ['```json\n{"pass": false}\n```', 'failed'],
    ['  {"pass": true}  ', 'passed'],
    ['Yes, it passes.', 'errored'],
    ['{"pass": "yes"}', 'errored'],
    ['{"pass": true, "reason": 3}', 'errored'],
    ['[true]', 'errored'],
  ])('grader answer %j → %s', (answer, status) => {
    expect(statusOf(rubric, 'reply', grade({ text: answer }, 'judge@1'))).toBe(status);
  });

  it('carries the grader reason into the result reason', () => {
    const check = checkExpectation(
      rubric,
      prediction({ text: 'r' }),
      [],
      grade({ text: '{"pass":false,"reason":"no refund"}' }, 'judge@1'),
    );
    expect(check.reason).toBe('judge@1 failed it: no refund');
  });

  it('builds the documented prompt with rubric, input and output', () => {
    const prompt = rubricPrompt('Offers a refund.', { text: 'my order' }, 'Sorry!');
    expect(prompt).toContain('<rubric>\nOffers a refund.\n</rubric>');
    expect(prompt).toContain('<input>\n{"text":"my order"}\n</input>');
    expect(prompt).toContain('<output>\nSorry!\n</output>');
    expect(prompt).toContain('{"pass": true or false, "reason": "one sentence"}');
    expect(parseRubricAnswer('{"pass": true}')).toEqual({ ok: true, pass: true, reason: '' });
  });
});

describe('similar', () => {
  const similar: Expectation = { similar: { to: 'ref', min: 0.8, embedder: 'emb@1' } };
  const emb = (output: number[], reference: number[]): CheckAid => ({
    embeddings: { embedder: 'emb@1', output, reference },
  });
  it.each<[CheckAid | undefined, Status]>([
    [emb([1, 0], [1, 0]), 'passed'],
    [emb([1, 1], [1, 0]), 'failed'], // cos 0.707
    [emb([3, 4], [0.6, 0.8]), 'passed'],
    [emb([0, 0], [1, 0]), 'errored'],
    [emb([1, 0, 0], [1, 0]), 'errored'],
    [{ embeddings: { embedder: 'emb@1', error: 'timed out' } }, 'errored'],
    [undefined, 'errored'],
  ])('%j → %s', (aid, status) => {
    expect(statusOf(similar, 'out', aid)).toBe(status);
  });

  it.each([
    [[1, 0], [0, 1], 0],
    [[1, 2], [2, 4], 1],
    [[1, 0], [-1, 0], -1],
  ])('cosine(%j, %j) = %d', (a, b, want) => {
    expect(cosine(a, b)).toBeCloseTo(want, 12);
  });
});

describe('json_schema patterns on the linear-time engine', () => {
  it('a pattern that backtracks for minutes in V8 is checked in linear time', () => {
    const expectation = parsed({ json_schema: { type: 'string', pattern: '^(a+)+$' } });
    const started = performance.now();
    const check = checkExpectation(
      expectation,
      { text: JSON.stringify(`${'a'.repeat(40)}!`), raw: null },
      [],
    );
    // V8's backtracking engine needs about 2^40 steps here; a linear engine answers at once.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(check.pass).toBe(false);
  });
});
