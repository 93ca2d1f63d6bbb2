/**
 * A hashed bag of words (FNV-1a into 256 buckets, L2-normalised): texts sharing words point the same way, so
 * cosine similarity behaves like a crude semantic similarity, deterministically and without a model download.
 */
export const EMBEDDING_DIMENSIONS = 256;

const STOP = new Set([
  'the',
  'a',
  'an',
  'to',
  'of',
  'and',
  'is',
  'it',
  'your',
  'you',
  'i',
  'we',
  'in',
  'for',
  'on',
]);

function fnv1a(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []).filter((w) => !STOP.has(w));
}

export function embed(text: string): number[] {
  const v = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const w of words(text)) {
    const i = fnv1a(w) % EMBEDDING_DIMENSIONS;
    v[i] = (v[i] ?? 0) + 1;
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}
