import { describe, expect, it } from 'vitest';
import { parseExpectationShorthand } from '../../src/core/expectations/index.ts';
import { expectationFrom } from '../../src/slack/journeys/pattern-form.ts';

describe('Slack shorthand for the graded and structural kinds', () => {
  it.each([
    ['judge toxicity@1 non_toxic', { judge: { grader: 'toxicity@1', label: 'non_toxic' } }],
    ['judge:toxicity@1 non_toxic', { judge: { grader: 'toxicity@1', label: 'non_toxic' } }],
    ['judge toxicity@1 not toxic', { judge: { grader: 'toxicity@1', not_label: 'toxic' } }],
    ['judge toxicity@1 not:toxic', { judge: { grader: 'toxicity@1', not_label: 'toxic' } }],
    ['judge toxicity@1 score <= 0.2', { judge: { grader: 'toxicity@1', max_score: 0.2 } }],
    ['judge toxicity@1 score>=0.8', { judge: { grader: 'toxicity@1', min_score: 0.8 } }],
    ['judge toxicity@1 score: 0.2..0.9', { judge: { grader: 'toxicity@1', min_score: 0.2, max_score: 0.9 } }],
    [
      'judge judge@1 "The reply apologises and offers a refund."',
      { judge: { grader: 'judge@1', rubric: 'The reply apologises and offers a refund.' } },
    ],
    ['judge judge@1 “No internal URLs.”', { judge: { grader: 'judge@1', rubric: 'No internal URLs.' } }],
    ['judge judge@1 rubric: no internal URLs', { judge: { grader: 'judge@1', rubric: 'no internal URLs' } }],
    [
      'similar emb@1 0.8 "Your order is on its way."',
      { similar: { to: 'Your order is on its way.', min: 0.8, embedder: 'emb@1' } },
    ],
    [
      'similar emb@1 0.75 Your order is on its way.',
      { similar: { to: 'Your order is on its way.', min: 0.75, embedder: 'emb@1' } },
    ],
    ['length 1-400 words', { length: { min: 1, max: 400, unit: 'words' } }],
    ['length 1..400', { length: { min: 1, max: 400, unit: 'chars' } }],
    ['length ..400 characters', { length: { max: 400, unit: 'chars' } }],
    ['length 10..', { length: { min: 10, unit: 'chars' } }],
    ['length max 60 words', { length: { max: 60, unit: 'words' } }],
    [
      'json_schema {"type":"object","required":["reply"]}',
      { json_schema: { type: 'object', required: ['reply'] } },
    ],
    ['json-schema: {"type":"string"}', { json_schema: { type: 'string' } }],
  ])('%s', (text, expected) => {
    expect(parseExpectationShorthand(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['judge:', 'judge needs a grader as name@version first, e.g. judge toxicity@1 non_toxic.'],
    [
      'judge toxicity non_toxic',
      '"toxicity" is not a grader as name@version; write e.g. judge toxicity@1 non_toxic.',
    ],
    [
      'judge toxicity@1',
      'judge toxicity@1 needs what decides: a label (judge toxicity@1 non_toxic), not <label>, score >= 0.8, or a rubric in quotes (judge toxicity@1 "The reply apologises").',
    ],
    [
      'judge judge@1 offers a refund',
      'judge judge@1 takes one label (judge judge@1 non_toxic); a rubric of several words goes in quotes: judge judge@1 "offers a refund".',
    ],
    ['judge toxicity@1 score >= high', 'The score bound "high" is not a number.'],
    ['judge judge@1 ""', '"judge.rubric" must be a non-empty string.'],
    [
      'similar emb@1 "Your order"',
      'similar emb@1 needs the least cosine similarity (0 to 1) before the reference, e.g. similar emb@1 0.8 "reference text".',
    ],
    [
      'similar emb@1 0.8',
      'similar emb@1 0.8 needs the reference text, e.g. similar emb@1 0.8 "reference text".',
    ],
    [
      'similar emb 0.8 x',
      '"emb" is not an embedder as name@version; write e.g. similar emb@1 0.8 "reference text".',
    ],
    ['similar emb@1 1.5 x', '"similar.min" must be a number from -1 to 1 (cosine similarity), got 1.5.'],
    ['length 1-400 lines', 'A length is counted in chars or words, not "lines"; e.g. length 1-400 words.'],
    [
      'length about 5 words',
      'A length is written <min>-<max> (or ..<max>, <min>..), then chars or words; e.g. length 1-400 words; got "about 5 words".',
    ],
    ['length 400-1', '"length.min" (400) is greater than "length.max" (1).'],
    ['json_schema [1]', 'json_schema takes a JSON Schema object, e.g. json_schema {"type": "object"}.'],
  ])('%s is refused: %s', (text, error) => {
    expect(parseExpectationShorthand(text)).toEqual({ ok: false, error });
  });

  it('a malformed schema says it is not JSON', () => {
    const r = parseExpectationShorthand('json_schema {bad');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(
      /^json_schema takes a JSON Schema object, e\.g\. json_schema \{"type": "object"\}: /,
    );
  });

  it('the older forms still read as before', () => {
    expect(parseExpectationShorthand('negative')).toEqual({ ok: true, value: { label: 'negative' } });
    expect(parseExpectationShorthand('judge')).toEqual({ ok: true, value: { label: 'judge' } });
    expect(parseExpectationShorthand('contains:refund')).toEqual({ ok: true, value: { contains: 'refund' } });
  });

  it.each([
    ['judge', 'toxicity@1 non_toxic', { judge: { grader: 'toxicity@1', label: 'non_toxic' } }],
    ['similar', 'emb@1 0.8 "On its way"', { similar: { to: 'On its way', min: 0.8, embedder: 'emb@1' } }],
    ['length', '1-400 words', { length: { min: 1, max: 400, unit: 'words' } }],
  ])('the modal’s %s choice prefixes the value', (kind, value, expected) => {
    expect(expectationFrom(kind, value)).toEqual({ ok: true, value: expected });
  });
});
