import type { Expectation } from '../expectations/handler.ts';
import { expectationKind } from '../expectations/index.ts';
import type { PatternInput, Polarity } from '../pattern.ts';
import { canonicalJson, type PatternDraft } from '../pattern.ts';
import { OPPOSITE_LABELS } from './lexicon.ts';
import {
  PERTURBATIONS,
  type Perturbation,
  type PerturbationEffect,
  type PerturbationName,
} from './perturbations.ts';
import { seededRng } from './prng.ts';

/**
 * Related cases from one pattern: CheckList-style variants of its input, each with the expectation the
 * perturbation implies. Deterministic: the same pattern and seed give the same proposals, anywhere.
 */

export type ImpliedKind = 'invariance' | 'change' | 'direction';

export interface Proposal {
  input: PatternInput;
  perturbation: PerturbationName;
  /** What changed, e.g. `swapped two letters in "great" → "graet"`. */
  detail: string;
  /** invariance: same answer as the original; change: a defined other answer; direction: the score must move. */
  implied: ImpliedKind;
  expectation: Expectation;
}

export interface SuggestSource {
  input: PatternInput;
  expectation: Expectation;
}

export interface SuggestOptions {
  n?: number;
  seed?: number;
}

export const DEFAULT_SUGGESTIONS = 10;
export const MAX_SUGGESTIONS = 50;
/** Tries per perturbation: typos on different words give different proposals. */
const ATTEMPTS = 4;

/** Expectations that judge one input on its own; the others (invariant, direction) point at other inputs. */
const SELF_CONTAINED = new Set([
  'label',
  'one_of',
  'not_label',
  'contains',
  'not_contains',
  'regex',
  'range',
]);

/** Which field of a structured input to perturb: the longest string one. */
interface Lens {
  text: string;
  put(text: string): PatternInput;
}

function lensOf(input: PatternInput): Lens | null {
  if (typeof input === 'string') return { text: input, put: (text) => text };
  let best: string | null = null;
  for (const [key, value] of Object.entries(input)) {
    if (
      typeof value === 'string' &&
      value.trim() !== '' &&
      (best === null || value.length > (input[best] as string).length)
    )
      best = key;
  }
  if (best === null) return null;
  const key = best;
  return {
    text: input[key] as string,
    put: (text) => Object.fromEntries(Object.entries(input).map(([k, v]) => [k, k === key ? text : v])),
  };
}

/** "positive" or "negative" (or pos/neg) when the original's expectation is that sentiment label. */
function sentimentOf(expectation: Expectation): { label: string; sign: 1 | -1 } | null {
  if (!('label' in expectation) || typeof expectation.label !== 'string') return null;
  const label = expectation.label.trim();
  const lower = label.toLowerCase();
  if (!(lower in OPPOSITE_LABELS)) return null;
  return { label, sign: lower === 'positive' || lower === 'pos' ? 1 : -1 };
}

function opposite(label: string): string {
  const other = OPPOSITE_LABELS[label.toLowerCase()] as string;
  return label === label.toUpperCase() ? other.toUpperCase() : other;
}

/**
 * The expectation a perturbation implies, or null when it implies nothing checkable (a negation of a sentence
 * whose expected answer is not a sentiment label).
 */
export function impliedExpectation(
  effect: PerturbationEffect,
  perturbation: PerturbationName,
  source: SuggestSource,
): { implied: ImpliedKind; expectation: Expectation } | null {
  if (effect === 'invariance') {
    return SELF_CONTAINED.has(expectationKind(source.expectation))
      ? { implied: 'invariance', expectation: source.expectation }
      : { implied: 'invariance', expectation: { invariant: [source.input] } };
  }
  const sentiment = sentimentOf(source.expectation);
  if (!sentiment) return null;
  if (effect === 'negation') {
    // Negating praise makes a complaint; negating a complaint ("not bad") makes it at least not a complaint.
    if (perturbation === 'negation:add' && sentiment.sign === -1)
      return { implied: 'change', expectation: { not_label: sentiment.label } };
    return { implied: 'change', expectation: { label: opposite(sentiment.label) } };
  }
  // Models report a score as "how positive" (VADER's compound, a positive-class probability) or as the
  // confidence in their label (KServe classifiers: the top probability). For praise both readings move the
  // same way; for a complaint they disagree (a stronger complaint is less positive but more confidently
  // negative), so a direction is only implied for praise.
  if (sentiment.sign < 0) return null;
  return {
    implied: 'direction',
    expectation: { direction: { from: source.input, score: effect === 'intensify' ? 'up' : 'down' } },
  };
}

export function effectOf(name: PerturbationName): PerturbationEffect {
  return (PERTURBATIONS.find((p) => p.name === name) as Perturbation).effect;
}

/**
 * About n proposals, spread over as many perturbations as the text allows (round-robin over them in a seeded
 * order), never the original input and never two alike.
 */
export function suggestRelated(source: SuggestSource, opts: SuggestOptions = {}): Proposal[] {
  const n = Math.max(0, Math.min(MAX_SUGGESTIONS, Math.floor(opts.n ?? DEFAULT_SUGGESTIONS)));
  const lens = lensOf(source.input);
  if (!lens || n === 0) return [];
  const rng = seededRng(opts.seed ?? 0);
  const seen = new Set([canonicalJson(source.input)]);
  const queues: Proposal[][] = [];
  for (const perturbation of rng.shuffle(PERTURBATIONS)) {
    const queue: Proposal[] = [];
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const edit = perturbation.apply(lens.text, rng);
      if (!edit || edit.text === lens.text || edit.text.trim() === '') continue;
      const input = lens.put(edit.text);
      const key = canonicalJson(input);
      if (seen.has(key)) continue;
      const implied = impliedExpectation(perturbation.effect, perturbation.name, source);
      if (!implied) break;
      seen.add(key);
      queue.push({ input, perturbation: perturbation.name, detail: edit.detail, ...implied });
    }
    if (queue.length > 0) queues.push(queue);
  }
  const out: Proposal[] = [];
  for (let round = 0; out.length < n && queues.some((q) => q.length > round); round++) {
    for (const queue of queues) {
      const proposal = queue[round];
      if (proposal && out.length < n) out.push(proposal);
    }
  }
  return out;
}

/** The import-format draft of a proposal: a contrived pattern of the same problem, with its provenance. */
export function proposalDraft(
  origin: { problemKey: string; patternId: number; polarity: Polarity },
  proposal: Pick<Proposal, 'input' | 'expectation' | 'perturbation' | 'detail'>,
): PatternDraft {
  return {
    problem: origin.problemKey,
    input: proposal.input,
    expectation: proposal.expectation,
    polarity: origin.polarity,
    source: 'contrived',
    notes: `Related case of #${origin.patternId} (${proposal.perturbation}): ${proposal.detail}`,
    derivedFrom: { patternId: origin.patternId, perturbation: proposal.perturbation },
  };
}
