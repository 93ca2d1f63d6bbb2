import type { Expectation, PatternInput } from './expectations/handler.ts';
import { parseExpectation } from './expectations/index.ts';
import { isPlainObject } from './json.ts';
import type { Result } from './result.ts';

export type Polarity = 'positive' | 'negative';
export type PatternSource = 'production' | 'contrived' | 'import';

/** Defined beside Expectation, which holds inputs itself (invariant variants); a pattern's input is one. */
export type { PatternInput } from './expectations/handler.ts';

export interface Pattern {
  id: number;
  problemId: number;
  /** The current (latest) revision. */
  revisionId: number;
  revision: number;
  input: PatternInput;
  expectation: Expectation;
  polarity: Polarity;
  source: PatternSource;
  sourceChannel: string | null;
  sourceTs: string | null;
  sourcePermalink: string | null;
  creatorId: string | null;
  notes: string;
  active: boolean;
  /** Who deactivated it and when; null while active (absent where a caller builds a Pattern by hand). */
  deactivatedAt?: Date | null;
  deactivatedBy?: string | null;
  createdAt: Date;
  /** Set for a related case made from another pattern by a perturbation (suggestions). */
  derivedFrom?: DerivedFrom | null;
}

export interface DerivedFrom {
  patternId: number;
  perturbation: string;
}

const POLARITIES = ['positive', 'negative'] as const satisfies readonly Polarity[];
const PATTERN_SOURCES = ['production', 'contrived', 'import'] as const satisfies readonly PatternSource[];

/** A pattern as submitted (modal, import file, API), before it is tied to a problem id. */
export interface PatternDraft {
  /** Problem key (P-3) or exact title. */
  problem: string;
  input: PatternInput;
  expectation: Expectation;
  polarity: Polarity;
  source: PatternSource;
  notes: string;
  /** Where it came from: a Slack permalink, a ticket, a file name. */
  sourceRef?: string;
  /** A related case: made from pattern #patternId by a perturbation. Written `derivedFrom` in import files. */
  derivedFrom?: DerivedFrom;
}

export interface FieldError {
  field: string;
  message: string;
}

export type DraftResult = { ok: true; value: PatternDraft } | { ok: false; errors: FieldError[] };

export interface DraftDefaults {
  polarity?: Polarity;
  source?: PatternSource;
}

const DRAFT_KEYS = [
  'problem',
  'input',
  'expect',
  'expectation',
  'polarity',
  'source',
  'notes',
  'sourceRef',
  'source_ref',
  'derivedFrom',
];

export const MAX_PERTURBATION_NAME = 100;

/** `{"pattern": 12, "perturbation": "typo:swap"}`: where a suggested related case came from. */
export function parseDerivedFrom(value: unknown): Result<DerivedFrom> {
  const shape = 'derivedFrom must look like {"pattern": 12, "perturbation": "typo:swap"}';
  if (!isPlainObject(value)) return { ok: false, error: `${shape}.` };
  // `patternId` is the in-memory spelling (a PatternDraft passed back through validation).
  const unknown = Object.keys(value).filter((k) => !['pattern', 'patternId', 'perturbation'].includes(k));
  if (unknown.length > 0) return { ok: false, error: `${shape}; "${unknown[0]}" is not one of its fields.` };
  const id = value['pattern'] ?? value['patternId'];
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
    return { ok: false, error: `${shape}: "pattern" must be a pattern id (a positive whole number).` };
  const name = value['perturbation'];
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_PERTURBATION_NAME)
    return {
      ok: false,
      error: `${shape}: "perturbation" must be a name of at most ${MAX_PERTURBATION_NAME} characters.`,
    };
  return { ok: true, value: { patternId: id, perturbation: name.trim() } };
}

export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Text for text models, a JSON object for structured ones. Size is counted in UTF-8 bytes of its canonical form. */
export function parsePatternInput(value: unknown, maxBytes: number): Result<PatternInput> {
  let input: PatternInput;
  if (typeof value === 'string') {
    if (value.trim() === '') return { ok: false, error: 'The input is empty.' };
    input = value;
  } else if (isPlainObject(value)) {
    if (Object.keys(value).length === 0) return { ok: false, error: 'The input object is empty.' };
    input = value;
  } else {
    return { ok: false, error: 'The input must be text or a JSON object.' };
  }
  // Measured without recursion first: canonicalJson recurses, and a body nesting thousands deep would
  // overflow the stack there (a 500) instead of being refused here.
  if (typeof input !== 'string' && nestsDeeperThan(input, MAX_INPUT_DEPTH)) {
    return {
      ok: false,
      error: `The input object nests more than ${MAX_INPUT_DEPTH} levels deep; flatten it.`,
    };
  }
  const size = byteLength(typeof input === 'string' ? input : canonicalJson(input));
  if (size > maxBytes) {
    return { ok: false, error: `The input is ${size} bytes; the limit is ${maxBytes} bytes.` };
  }
  return { ok: true, value: input };
}

export const MAX_INPUT_DEPTH = 64;

function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > limit) return true;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth: item.depth + 1 });
  }
  return false;
}

/** Each variant is one more call to every model, for every later model too. */
export const MAX_VARIANTS = 50;
/** All variants of one pattern together, in multiples of the per-input limit. */
export const VARIANTS_TOTAL_FACTOR = 4;

/**
 * Variants reach the model like the input does, so they get the input's checks (size, depth), each on
 * its own, plus a cap on their number and on their total size.
 */
export function checkVariants(variants: readonly unknown[], maxBytes: number): string | null {
  if (variants.length > MAX_VARIANTS)
    return `"invariant" lists ${variants.length} variants; the limit is ${MAX_VARIANTS} (each one is another call to every model).`;
  let total = 0;
  for (const [i, variant] of variants.entries()) {
    const parsed = parsePatternInput(variant, maxBytes);
    if (!parsed.ok) return `"invariant" variant ${i + 1}: ${parsed.error}`;
    total += byteLength(typeof variant === 'string' ? variant : canonicalJson(variant));
  }
  const limit = maxBytes * VARIANTS_TOTAL_FACTOR;
  if (total > limit) return `"invariant" variants are ${total} bytes together; the limit is ${limit} bytes.`;
  return null;
}

export function parsePolarity(value: unknown): Result<Polarity> {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  const found = POLARITIES.find((p) => p === text);
  return found
    ? { ok: true, value: found }
    : { ok: false, error: `Polarity must be one of ${POLARITIES.join(', ')}, got ${show(value)}.` };
}

export function parseSource(value: unknown): Result<PatternSource> {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  const found = PATTERN_SOURCES.find((s) => s === text);
  return found
    ? { ok: true, value: found }
    : { ok: false, error: `Source must be one of ${PATTERN_SOURCES.join(', ')}, got ${show(value)}.` };
}

/**
 * JSON with object keys sorted at every depth, so equal values always give equal text (fingerprints,
 * duplicate detection). Follows JSON.stringify otherwise: undefined members dropped, non-finite numbers null.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    return sortKeys((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    // Built from entries: assigning out['__proto__'] would set the prototype and drop a key users really sent.
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Checks every field and reports all mistakes at once. The expectation may be given as `expect` or `expectation`. */
export function validatePatternDraft(
  raw: unknown,
  maxBytes: number,
  defaults: DraftDefaults = {},
): DraftResult {
  if (!isPlainObject(raw))
    return { ok: false, errors: [{ field: 'pattern', message: 'A pattern must be a JSON object.' }] };
  const errors: FieldError[] = [];
  const unknown = Object.keys(raw).filter((k) => !DRAFT_KEYS.includes(k));
  for (const key of unknown)
    errors.push({ field: key, message: `Unknown field "${key}"; expected ${DRAFT_KEYS.join(', ')}.` });

  const problem = typeof raw['problem'] === 'string' ? raw['problem'].trim() : '';
  if (problem === '')
    errors.push({
      field: 'problem',
      message: 'Say which problem this pattern belongs to (its key, e.g. P-3, or title).',
    });

  const input = parsePatternInput(raw['input'], maxBytes);
  if (!input.ok) errors.push({ field: 'input', message: input.error });

  const expectationValue = raw['expect'] ?? raw['expectation'];
  const expectation =
    expectationValue === undefined
      ? ({ ok: false, error: 'The expectation ("expect") is missing, e.g. {"label": "negative"}.' } as const)
      : parseExpectation(expectationValue);
  if (!expectation.ok) errors.push({ field: 'expect', message: expectation.error });
  else if ('invariant' in expectation.value) {
    const problem = checkVariants(expectation.value.invariant, maxBytes);
    if (problem) errors.push({ field: 'expect', message: problem });
  }

  const polarity =
    raw['polarity'] === undefined
      ? ({ ok: true, value: defaults.polarity ?? 'positive' } as const)
      : parsePolarity(raw['polarity']);
  if (!polarity.ok) errors.push({ field: 'polarity', message: polarity.error });

  const source =
    raw['source'] === undefined
      ? ({ ok: true, value: defaults.source ?? 'contrived' } as const)
      : parseSource(raw['source']);
  if (!source.ok) errors.push({ field: 'source', message: source.error });

  const notesValue = raw['notes'] ?? '';
  if (typeof notesValue !== 'string') errors.push({ field: 'notes', message: 'Notes must be text.' });

  const refValue = raw['sourceRef'] ?? raw['source_ref'];
  if (refValue !== undefined && typeof refValue !== 'string')
    errors.push({ field: 'sourceRef', message: 'sourceRef must be text.' });

  const derived = raw['derivedFrom'] === undefined ? undefined : parseDerivedFrom(raw['derivedFrom']);
  if (derived && !derived.ok) errors.push({ field: 'derivedFrom', message: derived.error });

  if (errors.length > 0 || !input.ok || !expectation.ok || !polarity.ok || !source.ok)
    return { ok: false, errors };
  const draft: PatternDraft = {
    problem,
    input: input.value,
    expectation: expectation.value,
    polarity: polarity.value,
    source: source.value,
    notes: typeof notesValue === 'string' ? notesValue : '',
  };
  if (typeof refValue === 'string' && refValue.trim() !== '') draft.sourceRef = refValue.trim();
  if (derived?.ok) draft.derivedFrom = derived.value;
  return { ok: true, value: draft };
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
}
