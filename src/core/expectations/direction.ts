import { isPlainObject } from '../json.ts';
import type { ExpectationHandler, PatternInput, Prediction } from './handler.ts';
import { describeType, fail, ok, quote } from './handler.ts';

const DIRECTIONS = ['up', 'down'] as const;
const EXAMPLE = '{"direction": {"from": "the original input", "score": "up"}}';

function shown(input: PatternInput): string {
  return typeof input === 'string' ? quote(input) : JSON.stringify(input);
}

function scoreOf(prediction: Prediction | undefined): number | undefined {
  const score = prediction?.score;
  return typeof score === 'number' && Number.isFinite(score) ? score : undefined;
}

/**
 * CheckList's DIR test: a perturbation with a known direction (adding "very" to a praising sentence) must move
 * the model's score that way compared with the score on the original input. The original is run as a variant
 * in the same predict call, like invariant's variants, so both scores come from the same model version. A tie
 * fails: the perturbation was meant to move the score.
 */
export const directionHandler: ExpectationHandler<'direction'> = {
  extraKeys: [],
  parse(body) {
    const value = body['direction'];
    if (!isPlainObject(value))
      return fail(`"direction" must be an object like ${EXAMPLE}, got ${describeType(value)}.`);
    const unknown = Object.keys(value).filter((k) => k !== 'from' && k !== 'score');
    if (unknown.length > 0)
      return fail(
        `"direction" only takes "from" and "score", not ${unknown.map((k) => `"${k}"`).join(', ')}.`,
      );
    const from = value['from'];
    if (typeof from === 'string') {
      if (from.trim() === '') return fail('"direction.from" (the original input) must not be empty.');
    } else if (!isPlainObject(from) || Object.keys(from).length === 0) {
      return fail(
        `"direction.from" must be the original input (text or an object), got ${describeType(from)}.`,
      );
    }
    const score = value['score'];
    if (typeof score !== 'string' || !DIRECTIONS.includes(score.trim().toLowerCase() as 'up'))
      return fail(
        `"direction.score" must be "up" or "down", got ${typeof score === 'string' ? quote(score) : describeType(score)}.`,
      );
    return ok({
      direction: { from: from as PatternInput, score: score.trim().toLowerCase() as 'up' | 'down' },
    });
  },
  check({ direction }, prediction, variants) {
    const now = scoreOf(prediction);
    const before = scoreOf(variants[0]);
    if (variants.length === 0)
      return { pass: false, reason: 'expected a prediction for the original input, got none' };
    if (now === undefined || before === undefined) {
      const which = now === undefined ? 'this input' : `the original ${shown(direction.from)}`;
      return {
        pass: false,
        reason: `the score must move ${direction.score}, but the model returned no score for ${which}`,
      };
    }
    const pass = direction.score === 'up' ? now > before : now < before;
    const verb = now > before ? 'rose' : now < before ? 'fell' : 'stayed';
    return {
      pass,
      reason: `score ${verb} from ${before} to ${now}${pass ? '' : `; expected it to go ${direction.score}`}`,
    };
  },
  describe: ({ direction }) => `score ${direction.score === 'up' ? '↑' : '↓'} vs the original`,
  variantInputs: ({ direction }) => [direction.from],
};
