import { isPlainObject, tryParseJson } from '../json.ts';
import type { PatternInput } from './handler.ts';

/**
 * The prompt an LLM grader gets for `{"judge": {"grader": …, "rubric": …}}` (docs/generative.md shows it).
 * The exact text is part of the grader cache key, so changing it here re-grades everything once.
 */
export function rubricPrompt(rubric: string, input: PatternInput, output: string): string {
  const shownInput = typeof input === 'string' ? input : JSON.stringify(input);
  return [
    'You are grading the reply of an AI system against a rubric.',
    'Answer with one JSON object and nothing else: {"pass": true or false, "reason": "one sentence"}.',
    '',
    '<rubric>',
    rubric,
    '</rubric>',
    '<input>',
    shownInput,
    '</input>',
    '<output>',
    output,
    '</output>',
  ].join('\n');
}

export type RubricAnswer = { ok: true; pass: boolean; reason: string } | { ok: false; error: string };

const FENCE = /^```(?:json)?\s*([\s\S]*?)\s*```$/i;

/** The grader's reply must be `{"pass": bool, "reason": string}`; a Markdown code fence around it is tolerated. */
export function parseRubricAnswer(text: string): RubricAnswer {
  const trimmed = text.trim();
  const body = FENCE.exec(trimmed)?.[1] ?? trimmed;
  const parsed = tryParseJson(body);
  if (!parsed.ok) return { ok: false, error: `the grader's answer is not JSON (${parsed.error})` };
  const value = parsed.value;
  if (!isPlainObject(value)) return { ok: false, error: 'the grader answered JSON that is not an object' };
  if (typeof value['pass'] !== 'boolean')
    return { ok: false, error: 'the grader\'s answer has no boolean "pass"' };
  const reason = value['reason'];
  if (reason !== undefined && typeof reason !== 'string')
    return { ok: false, error: 'the grader\'s "reason" is not a string' };
  return { ok: true, pass: value['pass'], reason: reason ?? '' };
}
