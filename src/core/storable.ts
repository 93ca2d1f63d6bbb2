/**
 * What Postgres cannot hold in text or jsonb: U+0000, and UTF-16 surrogates without their pair (JSON
 * escapes them as `\ud800`, which jsonb refuses). Model outputs carry both; storing them fails the whole
 * statement. These helpers find or replace them (with U+FFFD) and say how many were replaced.
 */

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Outputs nest deeper than this are cut: Postgres refuses jsonb deeper than its stack allows, and so does JSON.stringify. */
export const MAX_STORED_DEPTH = 100;

export interface Storable<T> {
  value: T;
  /** Characters replaced by U+FFFD. */
  replaced: number;
  /** Subtrees below MAX_STORED_DEPTH replaced by a marker string. */
  cut: number;
}

export function storableText(text: string): { value: string; replaced: number } {
  let replaced = 0;
  const value = text.replace(UNSTORABLE, () => {
    replaced++;
    return '\ufffd';
  });
  return { value, replaced };
}

const UNSTORABLE_ONE = new RegExp(UNSTORABLE.source);

/**
 * Whether a JSON value (from JSON.parse or built of plain objects and arrays) can be stored as it is: no
 * unstorable character in a string or key, nothing nested MAX_STORED_DEPTH deep, nothing but plain objects,
 * arrays and primitives. Reads without copying, so the common clean value costs no allocation.
 */
export function isStorableJson(input: unknown): boolean {
  const values: unknown[] = [input];
  const depths: number[] = [0];
  while (values.length > 0) {
    const from = values.pop();
    const depth = depths.pop() as number;
    if (typeof from === 'string') {
      if (UNSTORABLE_ONE.test(from)) return false;
      continue;
    }
    if (from === null || typeof from !== 'object') continue;
    if (depth >= MAX_STORED_DEPTH) return false;
    if (Array.isArray(from)) {
      for (let i = 0; i < from.length; i++) {
        values.push(from[i]);
        depths.push(depth + 1);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(from);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const key in from) {
      if (!Object.hasOwn(from, key)) continue;
      if (UNSTORABLE_ONE.test(key)) return false;
      values.push((from as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return true;
}

/**
 * A JSON value safe for jsonb; keys are cleaned too. Iterative, so no depth can overflow the stack. A value
 * that is already storable comes back as it is; any other is copied with its unstorable parts replaced.
 */
export function storableJson(input: unknown): Storable<unknown> {
  if (isStorableJson(input)) return { value: input, replaced: 0, cut: 0 };
  let replaced = 0;
  let cut = 0;
  const clean = (s: string) => {
    const r = storableText(s);
    replaced += r.replaced;
    return r.value;
  };
  const root: { value: unknown } = { value: undefined };
  const stack: { from: unknown; into: (v: unknown) => void; depth: number }[] = [
    { from: input, into: (v) => (root.value = v), depth: 0 },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { from, into, depth } = item;
    if (typeof from === 'string') into(clean(from));
    else if (from === null || typeof from !== 'object') into(from);
    else if (depth >= MAX_STORED_DEPTH) {
      cut++;
      into(`[nested more than ${MAX_STORED_DEPTH} levels deep; not stored]`);
    } else if (Array.isArray(from)) {
      const out: unknown[] = new Array(from.length);
      into(out);
      for (const [i, v] of from.entries())
        stack.push({ from: v, into: (x) => (out[i] = x), depth: depth + 1 });
    } else {
      // Defined, not assigned: a "__proto__" key the model sent stays a key. Defined now, in order, and
      // filled in later, so the copy keeps the key order.
      const out: Record<string, unknown> = {};
      into(out);
      for (const [k, v] of Object.entries(from as Record<string, unknown>)) {
        const key = clean(k);
        define(out, key, undefined);
        stack.push({ from: v, into: (x) => define(out, key, x), depth: depth + 1 });
      }
    }
  }
  return { value: root.value, replaced, cut };
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
