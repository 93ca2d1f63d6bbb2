import { isPlainObject, tryParseJson } from '../json.ts';
import type { Result } from '../result.ts';
import type { Expectation } from './handler.ts';
import { parseExpectation } from './registry.ts';

/**
 * Slack shorthand for the graded and structural kinds, read as a sentence after the kind:
 *   judge toxicity@1 non_toxic          judge toxicity@1 not toxic       judge toxicity@1 score <= 0.2
 *   judge judge@1 "The reply apologises and offers a refund."
 *   similar emb@1 0.8 "Your order is on its way."
 *   length 1-400 words                  length ..400                     length 10.. chars
 *   json_schema {"type": "object", "required": ["reply"]}
 * Each becomes the JSON form and goes through parseExpectation, so the rules and messages stay in one place;
 * only mistakes the JSON form cannot have (a missing grader, an unquoted rubric) get their own sentence here.
 * Whether the grader exists is the service's question ("no model judge@1; register it first").
 */

export const GENERATIVE_PREFIXES = ['judge', 'similar', 'length', 'json_schema'] as const;
export type GenerativePrefix = (typeof GENERATIVE_PREFIXES)[number];

export const GENERATIVE_USAGE =
  'judge <grader@v> <label> | not <label> | score >= <n> | "<rubric>", similar <embedder@v> <min> "<reference>", length <min>-<max> [chars|words], json_schema {…}';

const fail = (error: string): Result<Expectation> => ({ ok: false, error });
const QUOTED = /^(?:"([\s\S]*)"|“([\s\S]*)”|'([\s\S]*)')$/;

/** The text inside matching quotes (straight, curly or single), or null when `text` is not one quoted string. */
function unquote(text: string): string | null {
  const m = QUOTED.exec(text.trim());
  return m ? (m[1] ?? m[2] ?? m[3] ?? '') : null;
}

/** First word and the rest, the rest trimmed. */
function head(text: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return m ? [m[1] as string, (m[2] as string).trim()] : ['', ''];
}

function modelRef(word: string, kind: 'judge' | 'similar', example: string): Result<string> {
  const role = kind === 'judge' ? 'a grader' : 'an embedder';
  if (word === '')
    return { ok: false, error: `${kind} needs ${role} as name@version first, e.g. ${example}.` };
  if (!word.includes('@'))
    return { ok: false, error: `"${word}" is not ${role} as name@version; write e.g. ${example}.` };
  return { ok: true, value: word };
}

export function parseGenerativeShorthand(prefix: GenerativePrefix, rest: string): Result<Expectation> {
  switch (prefix) {
    case 'judge':
      return judgeShorthand(rest);
    case 'similar':
      return similarShorthand(rest);
    case 'length':
      return lengthShorthand(rest);
    default:
      return jsonSchemaShorthand(rest);
  }
}

const SCORE = /^score\s*(?::\s*(.*?)\s*\.\.\s*(.*)|(>=|≥|<=|≤)\s*(.+))$/i;

function judgeShorthand(rest: string): Result<Expectation> {
  const example = 'judge toxicity@1 non_toxic';
  const [word, verdict] = head(rest);
  const grader = modelRef(word, 'judge', example);
  if (!grader.ok) return grader;
  const g = grader.value;
  if (verdict === '')
    return fail(
      `judge ${g} needs what decides: a label (judge ${g} non_toxic), not <label>, score >= 0.8, or a rubric in quotes (judge ${g} "The reply apologises").`,
    );
  const quoted = unquote(verdict);
  if (quoted !== null) return parseExpectation({ judge: { grader: g, rubric: quoted } });
  const rubric = /^rubric\s*:?\s*([\s\S]+)$/i.exec(verdict);
  if (rubric)
    return parseExpectation({ judge: { grader: g, rubric: unquote(rubric[1] as string) ?? rubric[1] } });
  const not = /^not(?:_label)?\s*:?\s+(\S+)$|^not:(\S+)$/i.exec(verdict);
  if (not) return parseExpectation({ judge: { grader: g, not_label: not[1] ?? not[2] } });
  const score = SCORE.exec(verdict);
  if (score) return judgeScore(g, score);
  if (/\s/.test(verdict))
    return fail(
      `judge ${g} takes one label (judge ${g} non_toxic); a rubric of several words goes in quotes: judge ${g} "${verdict}".`,
    );
  return parseExpectation({ judge: { grader: g, label: verdict } });
}

function judgeScore(grader: string, m: RegExpExecArray): Result<Expectation> {
  const bounds: { min_score?: number; max_score?: number } = {};
  const set = (key: 'min_score' | 'max_score', raw: string | undefined): string | null => {
    const text = (raw ?? '').trim();
    if (text === '') return null;
    const n = Number(text);
    if (!Number.isFinite(n)) return `The score bound "${text}" is not a number.`;
    bounds[key] = n;
    return null;
  };
  const errors =
    m[3] === undefined
      ? [set('min_score', m[1]), set('max_score', m[2])]
      : [set(m[3] === '>=' || m[3] === '≥' ? 'min_score' : 'max_score', m[4])];
  const error = errors.find((e) => e !== null);
  if (error) return fail(error);
  return parseExpectation({ judge: { grader, ...bounds } });
}

function similarShorthand(rest: string): Result<Expectation> {
  const example = 'similar emb@1 0.8 "reference text"';
  const [word, after] = head(rest);
  const embedder = modelRef(word, 'similar', example);
  if (!embedder.ok) return embedder;
  const [minWord, reference] = head(after);
  const min = Number(minWord.replace(/^(>=|≥)/, ''));
  if (minWord === '' || !Number.isFinite(min))
    return fail(
      `similar ${embedder.value} needs the least cosine similarity (0 to 1) before the reference, e.g. ${example}.`,
    );
  if (reference === '')
    return fail(`similar ${embedder.value} ${minWord} needs the reference text, e.g. ${example}.`);
  return parseExpectation({
    similar: { to: unquote(reference) ?? reference, min, embedder: embedder.value },
  });
}

const UNITS: Record<string, 'chars' | 'words'> = {
  char: 'chars',
  chars: 'chars',
  character: 'chars',
  characters: 'chars',
  word: 'words',
  words: 'words',
};

function lengthShorthand(rest: string): Result<Expectation> {
  const m = /^(.*?)\s*([a-z]+)?$/i.exec(rest.trim());
  const bounds = (m?.[1] ?? '').trim();
  const unitWord = m?.[2]?.toLowerCase();
  const unit = unitWord === undefined ? 'chars' : UNITS[unitWord];
  if (!unit) return fail(`A length is counted in chars or words, not "${m?.[2]}"; e.g. length 1-400 words.`);
  const bound = lengthBounds(bounds);
  if (!bound)
    return fail(
      `A length is written <min>-<max> (or ..<max>, <min>..), then chars or words; e.g. length 1-400 words; got "${rest.trim()}".`,
    );
  return parseExpectation({ length: { ...bound, unit } });
}

/** "1-400", "1..400", "..400", "10..", "<= 400", "max 400", ">= 10", "min 10" → the bounds given. */
function lengthBounds(text: string): { min?: number; max?: number } | null {
  const num = '(\\d+(?:\\.\\d+)?)';
  const between = new RegExp(`^${num}?\\s*(?:-|\\.\\.|–)\\s*${num}?$`).exec(text);
  if (between && (between[1] !== undefined || between[2] !== undefined))
    return {
      ...(between[1] === undefined ? {} : { min: Number(between[1]) }),
      ...(between[2] === undefined ? {} : { max: Number(between[2]) }),
    };
  const most = new RegExp(`^(?:<=|≤|max)\\s*${num}$`, 'i').exec(text);
  if (most) return { max: Number(most[1]) };
  const least = new RegExp(`^(?:>=|≥|min)\\s*${num}$`, 'i').exec(text);
  if (least) return { min: Number(least[1]) };
  return null;
}

function jsonSchemaShorthand(rest: string): Result<Expectation> {
  const parsed = tryParseJson(rest.trim());
  if (!parsed.ok)
    return fail(
      `json_schema takes a JSON Schema object, e.g. json_schema {"type": "object"}: ${parsed.error}`,
    );
  if (!isPlainObject(parsed.value))
    return fail('json_schema takes a JSON Schema object, e.g. json_schema {"type": "object"}.');
  return parseExpectation({ json_schema: parsed.value });
}
