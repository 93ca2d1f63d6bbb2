import { describe, expect, it } from 'vitest';
import type { Expectation, Prediction } from '../../src/core/expectations/handler.ts';
import {
  checkExpectation,
  describeExpectation,
  parseExpectation,
  variantInputs,
} from '../../src/core/expectations/index.ts';
import { prediction } from './factories.ts';

const up: Expectation = { direction: { from: 'The food was good.', score: 'up' } };
const down: Expectation = { direction: { from: 'The food was good.', score: 'down' } };

describe('direction: check', () => {
  it.each<[string, Expectation, Prediction, Prediction[], boolean, string]>([
    [
      'rose, wanted up',
      up,
      prediction({ score: 0.9 }),
      [prediction({ score: 0.6 })],
      true,
      'score rose from 0.6 to 0.9',
    ],
    [
      'fell, wanted up',
      up,
      prediction({ score: 0.4 }),
      [prediction({ score: 0.6 })],
      false,
      'expected it to go up',
    ],
    ['tie, wanted up', up, prediction({ score: 0.6 }), [prediction({ score: 0.6 })], false, 'stayed'],
    [
      'fell, wanted down',
      down,
      prediction({ score: -0.2 }),
      [prediction({ score: 0.1 })],
      true,
      'fell from 0.1 to -0.2',
    ],
    ['rose, wanted down', down, prediction({ score: 0.3 }), [prediction({ score: 0.1 })], false, 'go down'],
    [
      'no score here',
      up,
      prediction({ label: 'positive' }),
      [prediction({ score: 0.1 })],
      false,
      'no score for this input',
    ],
    [
      'no score on the original',
      up,
      prediction({ score: 0.5 }),
      [prediction({ label: 'positive' })],
      false,
      'no score for the original "The food was good."',
    ],
    ['NaN score', up, prediction({ score: Number.NaN }), [prediction({ score: 0.1 })], false, 'no score'],
    ['original not predicted', up, prediction({ score: 0.5 }), [], false, 'prediction for the original'],
  ])('%s', (_name, expectation, main, variants, pass, reason) => {
    const result = checkExpectation(expectation, main, variants);
    expect(result.pass).toBe(pass);
    expect(result.reason).toContain(reason);
  });
});

describe('direction: parse', () => {
  it.each<[string, unknown, Expectation | string]>([
    [
      'text original',
      { direction: { from: 'abc', score: 'up' } },
      { direction: { from: 'abc', score: 'up' } },
    ],
    [
      'object original',
      { direction: { from: { text: 'abc' }, score: 'DOWN' } },
      { direction: { from: { text: 'abc' }, score: 'down' } },
    ],
    [
      'from JSON text',
      '{"direction":{"from":"abc","score":"down"}}',
      { direction: { from: 'abc', score: 'down' } },
    ],
    ['not an object', { direction: 'up' }, '"direction" must be an object'],
    ['missing from', { direction: { score: 'up' } }, '"direction.from" must be the original input'],
    ['empty from', { direction: { from: '  ', score: 'up' } }, 'must not be empty'],
    [
      'empty object from',
      { direction: { from: {}, score: 'up' } },
      '"direction.from" must be the original input',
    ],
    [
      'bad score',
      { direction: { from: 'a', score: 'sideways' } },
      '"direction.score" must be "up" or "down", got "sideways"',
    ],
    ['numeric score', { direction: { from: 'a', score: 1 } }, 'got a number'],
    [
      'extra key inside',
      { direction: { from: 'a', score: 'up', by: 2 } },
      'only takes "from" and "score", not "by"',
    ],
    [
      'extra key outside',
      { direction: { from: 'a', score: 'up' }, flags: 'i' },
      '"direction" does not take "flags"',
    ],
  ])('%s', (_name, input, expected) => {
    const parsed = parseExpectation(input);
    if (typeof expected === 'string') {
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error).toContain(expected);
    } else {
      expect(parsed).toEqual({ ok: true, value: expected });
    }
  });
});

describe('direction: variants and description', () => {
  it('runs the original as the one variant input, like invariant', () => {
    expect(variantInputs(up)).toEqual(['The food was good.']);
    expect(variantInputs({ direction: { from: { text: 'x' }, score: 'down' } })).toEqual([{ text: 'x' }]);
  });
  it('describes itself in a few words', () => {
    expect(describeExpectation(up)).toBe('score ↑ vs the original');
    expect(describeExpectation(down)).toBe('score ↓ vs the original');
  });
});
