/**
 * A secret sent to a model (headersFromEnv) must not come back into results, errors or logs, however the
 * server echoes it: as is, in upper or lower case, URL-encoded, or base64-encoded (standard or URL-safe,
 * at any byte alignment, as inside `Basic base64(user:secret)`).
 */
export interface Redactor {
  text(value: string): string;
  /** A copy of a parsed JSON value with every string and key redacted; iterative, any depth. */
  json(value: unknown): unknown;
}

const MARK = '[redacted]';

export function createRedactor(secrets: readonly string[]): Redactor {
  const usable = [...new Set(secrets.filter((s) => s.length > 0))];
  if (usable.length === 0) return { text: (v) => v, json: (v) => v };
  const anyCase = new Set<string>();
  const exact = new Set<string>();
  for (const s of usable) {
    anyCase.add(s);
    anyCase.add(encodeURIComponent(s));
    anyCase.add(encodeURIComponent(s).replace(/%20/g, '+'));
    for (const b of base64Forms(s)) exact.add(b);
  }
  const caseless = pattern(anyCase, 'gi');
  const cased = exact.size > 0 ? pattern(exact, 'g') : null;
  const text = (value: string) => {
    const once = value.replace(caseless, MARK);
    return cased ? once.replace(cased, MARK) : once;
  };
  return { text, json: (value) => mapStrings(value, text) };
}

function pattern(forms: Set<string>, flags: string): RegExp {
  // Longest first, so a form is never cut short by a shorter one that is its prefix.
  const sorted = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(sorted.join('|'), flags);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The base64 text every encoding of the secret must contain, for each of the three alignments it can sit
 * at inside a longer encoded value; the characters at either end that depend on neighbouring bytes are
 * dropped. Forms shorter than 8 characters would redact innocent text and are skipped.
 */
function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString('base64');
    const start = offset === 0 ? 0 : offset === 1 ? 2 : 3;
    const end = Math.floor(padded.length / 3) * 4;
    const core = encoded.slice(start, end);
    if (core.length >= 8) {
      forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  // The whole value on its own, padding included, however short.
  const whole = bytes.toString('base64');
  forms.push(whole, whole.replace(/=+$/, ''), bytes.toString('base64url'));
  return forms.filter((f) => f.length >= 4);
}

function mapStrings(input: unknown, fn: (s: string) => string): unknown {
  const root: { value: unknown } = { value: undefined };
  const stack: { from: unknown; into: (v: unknown) => void }[] = [
    { from: input, into: (v) => (root.value = v) },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { from, into } = item;
    if (typeof from === 'string') into(fn(from));
    else if (from === null || typeof from !== 'object') into(from);
    else if (Array.isArray(from)) {
      const out: unknown[] = new Array(from.length);
      into(out);
      for (const [i, v] of from.entries()) stack.push({ from: v, into: (x) => (out[i] = x) });
    } else {
      const out: Record<string, unknown> = {};
      into(out);
      for (const [k, v] of Object.entries(from as Record<string, unknown>)) {
        const key = fn(k);
        define(out, key, undefined);
        stack.push({ from: v, into: (x) => define(out, key, x) });
      }
    }
  }
  return root.value;
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
