import { RE2JS } from 're2js';

/**
 * User regexes run on RE2JS, a pure-JavaScript port of RE2: matching takes time linear in the text for
 * every pattern, so `(a|a)*b` or `^(?:.|.|…)*Z$` cannot stall a worker the way V8's backtracking engine
 * does. RE2 has no backreferences or lookaround (they cannot be matched in linear time); those are refused
 * with a sentence naming what to drop. The compiled program is capped too: matching costs program size ×
 * text length, and `[\s\S]{1000}` style counted repeats make programs large.
 */
export const MAX_REGEX_PROGRAM = 2_000;

/** JavaScript flags RE2 can honour. `g`, `y`, `d` change what a global/sticky search returns, not whether text matches; `v` has set syntax RE2 lacks. */
const FLAG_BITS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  u: 0,
};

export interface LinearRegex {
  test(text: string): boolean;
}

export type CompileResult = { ok: true; value: LinearRegex } | { ok: false; error: string };

/** Compiles a JavaScript-syntax regex for RE2, or says in one sentence why it cannot run there. */
export function compileLinearRegex(source: string, flags = ''): CompileResult {
  let bits = 0;
  for (const flag of new Set(flags)) {
    const bit = FLAG_BITS[flag];
    if (bit === undefined)
      return {
        ok: false,
        error: `"flags" may hold i, m, s and u; "${flag}" is not supported (only a yes/no match is checked).`,
      };
    bits |= bit;
  }
  const unsupported = findUnsupported(source);
  if (unsupported)
    return {
      ok: false,
      error: `"regex" uses ${unsupported.what} (${unsupported.excerpt} at character ${unsupported.position}), which Canary's linear-time regex engine (RE2) cannot run; ${unsupported.hint}`,
    };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(source), bits);
  } catch (err) {
    return {
      ok: false,
      error: `"regex" is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const size = compiled.re2().numberOfInstructions();
  if (size > MAX_REGEX_PROGRAM)
    return {
      ok: false,
      error: `"regex" is too large to check quickly (${size} steps compiled; the limit is ${MAX_REGEX_PROGRAM}); use smaller counted repeats such as {1,50} instead of {1000}.`,
    };
  return { ok: true, value: { test: (text) => compiled.test(text) } };
}

interface Unsupported {
  what: string;
  excerpt: string;
  position: number;
  hint: string;
}

const LOOKAROUND: Record<string, string> = {
  '(?=': 'a lookahead',
  '(?!': 'a negative lookahead',
  '(?<=': 'a lookbehind',
  '(?<!': 'a negative lookbehind',
};

/**
 * Backreferences and lookaround, found outside character classes. RE2's own error for them is cryptic
 * ("invalid named capture"), and RE2JS's JavaScript translation would silently turn `\k<name>` into
 * something else, so they are named here before RE2 sees the pattern.
 */
function findUnsupported(source: string): Unsupported | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')))
        return {
          what: 'a backreference',
          excerpt: source.slice(i, next === 'k' ? source.indexOf('>', i) + 1 || i + 3 : i + 2),
          position: i + 1,
          hint: 'match the repeated text explicitly, or check it with two expectations.',
        };
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      // A leading ] (or ^]) is a literal member, not the end of the class.
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
      continue;
    }
    if (ch === '(') {
      const opener = Object.keys(LOOKAROUND).find((o) => source.startsWith(o, i));
      if (opener)
        return {
          what: LOOKAROUND[opener] as string,
          excerpt: opener,
          position: i + 1,
          hint: 'drop it and match the surrounding text, or split the check into contains / not_contains expectations.',
        };
    }
  }
  return undefined;
}
