import { createHash } from 'node:crypto';
import type { CheckAid, Expectation, Prediction } from '../core/expectations/handler.ts';
import { type GradingNeed, gradingNeed, rubricPrompt } from '../core/expectations/index.ts';
import type { Model } from '../core/model.ts';
import { formatModelRef } from '../core/model.ts';
import type { PatternInput } from '../core/pattern.ts';
import type { Db } from '../db/client.ts';
import {
  cachedGraderAnswers,
  lockGraderTexts,
  type StoredAnswer,
  storeGraderAnswers,
} from '../db/queries/grader-calls.ts';
import { getModelByNameVersion } from '../db/queries/models.ts';
import type { EndpointAdapter } from '../endpoints/types.ts';
import { type CallCost, costOf } from './cost.ts';

/** One candidate answer that may need another model's opinion. */
export interface GradingItem {
  expectation: Expectation;
  input: PatternInput;
  /** Undefined when the candidate errored: nothing to grade. */
  prediction: Prediction | undefined;
}

/** What the batch processor stores beside the result: who graded, what they said, what it cost. */
export interface GradingRecord {
  by: string;
  /** The grader's answer (label, score, text) or, for embedders, the vector length. */
  answer: Record<string, unknown> | null;
  /** True when every text was answered from the cache: nothing was paid for this result. */
  cached: boolean;
  cost: CallCost;
}

export interface GradedItem {
  aid: CheckAid;
  record: GradingRecord | null;
}

export interface Grading {
  gradeAll(items: readonly GradingItem[]): Promise<(GradedItem | undefined)[]>;
}

export interface GradingDeps {
  db: Db;
  adapters: { get(model: Model): EndpointAdapter };
  /** Counts calls that reached a grader or embedder (cache misses) and answers read from the cache. */
  onCalls?: (model: Model, fresh: number, cached: number, cost: CallCost) => void;
}

interface TextAnswer {
  answer?: StoredAnswer;
  error?: string;
  /** Paid for in this call: the first item using it carries its cost. */
  fresh: boolean;
  requests: number;
}

const ANSWER_TEXT_MAX = 2_000;

export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The exact text a grader gets for one output: the output itself, or the rubric prompt around it. */
export function graderText(need: GradingNeed, input: PatternInput, output: string): string {
  return need.kind === 'grader' && need.rubric !== undefined
    ? rubricPrompt(need.rubric, input, output)
    : output;
}

/**
 * Fetches what judge and similar checks need, once per distinct (grader version, text): answers come from the
 * Postgres cache when any earlier evaluation sent the same text, and are stored there when they are new.
 */
export function createGrading(deps: GradingDeps): Grading {
  async function resolve(ref: string): Promise<Model | string> {
    const at = ref.lastIndexOf('@');
    const model = await getModelByNameVersion(deps.db, ref.slice(0, at), ref.slice(at + 1));
    return model ?? `no model ${ref}; register it first`;
  }

  async function answerTexts(model: Model, texts: readonly string[]): Promise<Map<string, TextAnswer>> {
    const hashes = [...new Set(texts.map(textHash))];
    const byHash = new Map<string, string>();
    for (const t of texts) byHash.set(textHash(t), t);
    return deps.db.transaction(async (tx) => {
      await lockGraderTexts(tx, model.id, hashes);
      const cached = await cachedGraderAnswers(tx, model.id, hashes);
      const out = new Map<string, TextAnswer>();
      for (const [hash, answer] of cached) out.set(hash, { answer, fresh: false, requests: 0 });
      const missing = hashes.filter((h) => !cached.has(h));
      if (missing.length === 0) return out;
      let adapter: EndpointAdapter;
      try {
        adapter = deps.adapters.get(model);
      } catch (err) {
        const error = `${formatModelRef(model)} cannot be called: ${err instanceof Error ? err.message : String(err)}`;
        for (const h of missing) out.set(h, { error, fresh: false, requests: 0 });
        return out;
      }
      const answers = await adapter.predict(missing.map((h) => byHash.get(h) as string));
      const step = Math.max(1, adapter.maxBatchSize);
      const stored: Parameters<typeof storeGraderAnswers>[1][number][] = [];
      let usage: CallCost | undefined;
      for (const [i, a] of answers.entries()) {
        const hash = missing[i] as string;
        // A batch is one request; its attempts are counted on its first answer only.
        const requests = i % step === 0 ? a.attempts : 0;
        if (!a.ok) {
          out.set(hash, { error: a.error, fresh: true, requests });
          continue;
        }
        const { raw: _raw, ...answer } = a.prediction;
        out.set(hash, { answer, fresh: true, requests });
        stored.push({ modelId: model.id, textHash: hash, answer, latencyMs: a.latencyMs });
        const c = costOf(model, requests, answer.usage);
        usage = usage ? sumCosts(usage, c) : c;
      }
      await storeGraderAnswers(tx, stored);
      deps.onCalls?.(model, missing.length, cached.size, usage ?? costOf(model, 0, undefined));
      return out;
    });
  }

  return {
    async gradeAll(items) {
      const plans = items.map((item) => plan(item));
      const refs = new Map<string, Set<string>>();
      for (const p of plans) {
        if (!p || 'error' in p) continue;
        const texts = refs.get(p.ref) ?? new Set<string>();
        for (const t of p.texts) texts.add(t);
        refs.set(p.ref, texts);
      }
      const models = new Map<string, Model | string>();
      const answers = new Map<string, Map<string, TextAnswer>>();
      for (const [ref, texts] of refs) {
        const model = await resolve(ref);
        models.set(ref, typeof model === 'string' ? model : checkRole(model, plans, ref));
        const usable = models.get(ref);
        if (typeof usable !== 'string' && usable) answers.set(ref, await answerTexts(usable, [...texts]));
      }
      const paid = new Set<string>();
      return plans.map((p) => {
        if (!p) return undefined;
        if ('error' in p) return { aid: errorAid(p.need, p.ref, p.error), record: null };
        const model = models.get(p.ref);
        if (typeof model === 'string' || !model)
          return { aid: errorAid(p.need, p.ref, model ?? 'unknown'), record: null };
        const got = p.texts.map((t) => answers.get(p.ref)?.get(textHash(t)));
        return assemble(p, model, got, paid);
      });
    },
  };
}

interface Plan {
  ref: string;
  need: GradingNeed;
  texts: string[];
}

function plan(item: GradingItem): Plan | { ref: string; need: GradingNeed; error: string } | undefined {
  const need = gradingNeed(item.expectation);
  if (!need || !item.prediction) return undefined;
  const ref = need.kind === 'grader' ? need.grader : need.embedder;
  const output = item.prediction.text ?? item.prediction.label;
  if (output === undefined) return { ref, need, error: 'the model returned no text to grade' };
  if (need.kind === 'embedder') return { ref, need, texts: [output, need.reference] };
  return { ref, need, texts: [graderText(need, item.input, output)] };
}

/** A rubric needs a chat model to read the prompt; similar needs vectors. Anything else is a registration mistake. */
function checkRole(
  model: Model,
  plans: readonly (Plan | { error: string } | undefined)[],
  ref: string,
): Model | string {
  const uses = plans.filter((p): p is Plan => !!p && !('error' in p) && p.ref === ref);
  if (uses.some((p) => p.need.kind === 'embedder') && model.endpoint.adapter !== 'openai-embeddings')
    return `${ref} is not an embeddings model (register it with the openai-embeddings adapter)`;
  if (
    uses.some((p) => p.need.kind === 'grader' && p.need.rubric !== undefined) &&
    model.endpoint.adapter !== 'openai'
  )
    return `${ref} cannot grade a rubric: rubric graders are served over the openai adapter`;
  return model;
}

function errorAid(need: GradingNeed, ref: string, error: string): CheckAid {
  return need.kind === 'grader'
    ? { grade: { grader: ref, error } }
    : { embeddings: { embedder: ref, error } };
}

function assemble(p: Plan, model: Model, got: (TextAnswer | undefined)[], paid: Set<string>): GradedItem {
  let requests = 0;
  let usage: { promptTokens: number; completionTokens: number } | undefined;
  let cached = true;
  for (const [i, a] of got.entries()) {
    const key = `${p.ref}\u0000${textHash(p.texts[i] as string)}`;
    if (!a?.fresh || paid.has(key)) continue;
    paid.add(key);
    cached = false;
    requests += a.requests;
    if (a.answer?.usage)
      usage = {
        promptTokens: (usage?.promptTokens ?? 0) + a.answer.usage.promptTokens,
        completionTokens: (usage?.completionTokens ?? 0) + a.answer.usage.completionTokens,
      };
  }
  const cost = costOf(model, requests, usage);
  const failed = got.find((a) => !a || a.error !== undefined);
  const error = failed ? (failed.error ?? 'no answer') : undefined;
  if (p.need.kind === 'embedder') {
    const [output, reference] = got.map((a) => a?.answer?.embedding);
    const aid: CheckAid = {
      embeddings: {
        embedder: p.ref,
        ...(error !== undefined ? { error } : {}),
        ...(output ? { output } : {}),
        ...(reference ? { reference } : {}),
      },
    };
    return {
      aid,
      record: { by: p.ref, answer: output ? { dimensions: output.length } : null, cached, cost },
    };
  }
  const answer = got[0]?.answer;
  const prediction: Prediction | undefined = answer ? { ...answer, raw: null } : undefined;
  const aid: CheckAid = {
    grade: {
      grader: p.ref,
      ...(error !== undefined ? { error } : {}),
      ...(prediction ? { prediction } : {}),
    },
  };
  return { aid, record: { by: p.ref, answer: answer ? shownAnswer(answer) : null, cached, cost } };
}

function shownAnswer(answer: StoredAnswer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (answer.label !== undefined) out['label'] = answer.label;
  if (answer.score !== undefined) out['score'] = answer.score;
  if (answer.text !== undefined) out['text'] = answer.text.slice(0, ANSWER_TEXT_MAX);
  return out;
}

function sumCosts(a: CallCost, b: CallCost): CallCost {
  const out: CallCost = {
    requests: a.requests + b.requests,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
  };
  if (a.usd !== undefined || b.usd !== undefined) out.usd = (a.usd ?? 0) + (b.usd ?? 0);
  return out;
}
