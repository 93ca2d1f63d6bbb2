import { tryParseJson } from '../json.ts';
import type { Result } from '../result.ts';
import type { Expectation } from './handler.ts';
import { parseExpectation } from './registry.ts';
import {
  GENERATIVE_PREFIXES,
  GENERATIVE_USAGE,
  type GenerativePrefix,
  parseGenerativeShorthand,
} from './shorthand-generative.ts';

const PREFIXES = [
  'label',
  'not',
  'not_label',
  'one_of',
  'contains',
  'not_contains',
  'regex',
  'range',
  'invariant',
  ...GENERATIVE_PREFIXES,
];
const USAGE = `Write a label (negative), not:<label>, one_of:<a>,<b>, contains:<text>, not_contains:<text>, regex:/<re>/<flags>, range:<min>..<max>, invariant:<a> | <b>, ${GENERATIVE_USAGE}, or a JSON object.`;

/**
 * What people type in Slack: `negative`, `not:positive`, `one_of:neutral,positive`, `contains:refund`,
 * `regex:/^pos/i`, `range:0.5..1`, or a JSON object. Each form is turned into the JSON and validated by
 * parseExpectation so there is one set of rules and messages.
 */
export function parseExpectationShorthand(text: string): Result<Expectation> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: `The expectation is empty. ${USAGE}` };
  if (trimmed.startsWith('{')) return parseExpectation(trimmed);
  // The graded kinds read as a sentence ("judge toxicity@1 non_toxic"), so a space after the kind works too.
  const sentence = /^(judge|similar|length|json[_-]schema)(?::|\s)\s*([\s\S]*)$/i.exec(trimmed);
  if (sentence)
    return parseGenerativeShorthand(
      (sentence[1] as string).toLowerCase().replace('-', '_') as GenerativePrefix,
      sentence[2] as string,
    );
  const match = /^([a-z_-]+):(.*)$/is.exec(trimmed);
  if (!match) return parseExpectation({ label: trimmed });
  const prefix = (match[1] as string).toLowerCase().replace(/-/g, '_');
  const rest = (match[2] as string).trim();
  if (!PREFIXES.includes(prefix)) {
    return {
      ok: false,
      error: `Unknown expectation prefix "${match[1]}:". ${USAGE} For a label that contains a colon, write label:<label>.`,
    };
  }
  switch (prefix) {
    case 'label':
      return parseExpectation({ label: rest });
    case 'not':
    case 'not_label':
      return parseExpectation({ not_label: rest });
    case 'one_of':
      return parseExpectation({ one_of: rest === '' ? [] : rest.split(',').map((s) => s.trim()) });
    case 'contains':
      return parseExpectation({ contains: rest });
    case 'not_contains':
      return parseExpectation({ not_contains: rest });
    case 'regex':
      return parseRegexShorthand(rest);
    case 'range':
      return parseRangeShorthand(rest);
    default:
      return parseInvariantShorthand(rest);
  }
}

function parseRegexShorthand(rest: string): Result<Expectation> {
  const literal = /^\/(.*)\/([a-z]*)$/s.exec(rest);
  if (!literal) return parseExpectation({ regex: rest });
  const flags = literal[2] as string;
  return parseExpectation(flags ? { regex: literal[1], flags } : { regex: literal[1] });
}

function parseRangeShorthand(rest: string): Result<Expectation> {
  const match = /^(.*?)\.\.(.*)$/.exec(rest);
  if (!match)
    return {
      ok: false,
      error: `A range is written <min>..<max>, e.g. range:0.5..1 or range:..0.2; got "${rest}".`,
    };
  const range: { min?: number; max?: number } = {};
  for (const [key, raw] of [
    ['min', match[1]],
    ['max', match[2]],
  ] as const) {
    const text = (raw ?? '').trim();
    if (text === '') continue;
    const value = Number(text);
    if (!Number.isFinite(value)) return { ok: false, error: `The range ${key} "${text}" is not a number.` };
    range[key] = value;
  }
  return parseExpectation({ range });
}

function parseInvariantShorthand(rest: string): Result<Expectation> {
  if (rest.startsWith('[')) {
    const parsed = tryParseJson(rest);
    if (!parsed.ok)
      return { ok: false, error: `The invariant variants are not a valid JSON array: ${parsed.error}` };
    return parseExpectation({ invariant: parsed.value });
  }
  const variants = rest === '' ? [] : rest.split('|').map((s) => s.trim());
  return parseExpectation({ invariant: variants });
}
