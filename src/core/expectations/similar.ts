import { isPlainObject } from '../json.ts';
import type { ExpectationHandler } from './handler.ts';
import { describeType, errored, fail, ok } from './handler.ts';
import { parseModelKey } from './judge.ts';

/** Cosine similarity; null for vectors of different length or with no direction (all zeros). */
export function cosine(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length || a.length === 0) return null;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return null;
  return dot / Math.sqrt(na * nb);
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export const similarHandler: ExpectationHandler<'similar'> = {
  extraKeys: [],
  parse(body) {
    const value = body['similar'];
    if (!isPlainObject(value))
      return fail(
        `"similar" must be an object like {"to": "reference text", "min": 0.8, "embedder": "emb@1"}, got ${describeType(value)}.`,
      );
    const unknown = Object.keys(value).filter((k) => !['to', 'min', 'embedder'].includes(k));
    if (unknown.length > 0)
      return fail(
        `"similar" only takes "to", "min" and "embedder", not ${unknown.map((k) => `"${k}"`).join(', ')}.`,
      );
    const to = value['to'];
    if (typeof to !== 'string' || to.trim() === '')
      return fail('"similar.to" must be the non-empty reference text.');
    const min = value['min'];
    if (typeof min !== 'number' || !Number.isFinite(min) || min < -1 || min > 1)
      return fail(
        `"similar.min" must be a number from -1 to 1 (cosine similarity), got ${JSON.stringify(min)}.`,
      );
    const embedder = parseModelKey(value['embedder'], 'similar.embedder');
    if (!embedder.ok) return embedder;
    return ok({ similar: { to, min, embedder: embedder.value } });
  },
  needs: ({ similar }) => ({ kind: 'embedder', embedder: similar.embedder, reference: similar.to }),
  check({ similar }, _prediction, _variants, aid) {
    const e = aid?.embeddings;
    if (!e) return errored(`no embeddings from ${similar.embedder}`);
    if (e.error !== undefined || !e.output || !e.reference)
      return errored(`the embedder ${e.embedder} failed: ${e.error ?? 'no vectors'}`);
    const sim = cosine(e.output, e.reference);
    if (sim === null)
      return errored(
        `the embedder ${e.embedder} gave vectors that cannot be compared (different lengths or all zeros)`,
      );
    const pass = sim >= similar.min;
    return {
      pass,
      reason: pass
        ? `similarity ${round(sim)} ≥ ${similar.min}`
        : `similarity ${round(sim)} to the reference is below ${similar.min}`,
    };
  },
  describe: ({ similar }) => `similar (≥ ${similar.min}) to "${similar.to.slice(0, 40)}"`,
};
