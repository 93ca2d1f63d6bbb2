/**
 * User regexes run on the worker's event loop, where one catastrophic backtrack (`/^(a+)+$/` against
 * "aaaa…!") stalls every job for minutes. JavaScript has no match time limit, so the pattern shapes that
 * backtrack exponentially are refused up front: a repeated group whose body can itself repeat without
 * bound. This is a conservative syntactic check: it also refuses some harmless patterns such as `(,\d+)*`,
 * which can always be rewritten (`[,\d]*`), and it does not catch every slow pattern (overlapping
 * alternatives like `(a|a)+`, or polynomial ones like `.*.*.*x`); the input cap in regex.ts bounds those.
 */

export interface NestedQuantifier {
  /** The offending group with its quantifier, as written. */
  excerpt: string;
  /** 1-based character position of the group in the pattern. */
  position: number;
}

interface Frame {
  start: number;
  /** Something inside the group can repeat without bound. */
  unbounded: boolean;
}

interface Quantifier {
  end: number;
  unbounded: boolean;
}

/** The first repeated group whose body repeats without bound, or undefined when there is none. */
export function findNestedQuantifier(source: string, flags = ''): NestedQuantifier | undefined {
  const nestedClasses = flags.includes('v');
  const stack: Frame[] = [{ start: -1, unbounded: false }];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    const top = stack[stack.length - 1] as Frame;
    if (ch === '(') {
      stack.push({ start: i, unbounded: false });
      i = skipGroupPrefix(source, i + 1);
      continue;
    }
    if (ch === ')' && stack.length > 1) {
      stack.pop();
      const q = readQuantifier(source, i + 1);
      if (q?.unbounded && top.unbounded)
        return { excerpt: source.slice(top.start, q.end), position: top.start + 1 };
      const parent = stack[stack.length - 1] as Frame;
      parent.unbounded ||= top.unbounded || (q?.unbounded ?? false);
      i = q?.end ?? i + 1;
      continue;
    }
    const atomEnd =
      ch === '\\' ? skipEscape(source, i) : ch === '[' ? skipClass(source, i, nestedClasses) : i + 1;
    const q = readQuantifier(source, atomEnd);
    if (q?.unbounded) top.unbounded = true;
    i = q?.end ?? atomEnd;
  }
  return undefined;
}

/** Past `?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>` and modifier groups like `?i:`. */
function skipGroupPrefix(source: string, i: number): number {
  if (source[i] !== '?') return i;
  let j = i + 1;
  if (source[j] === '<' && source[j + 1] !== '=' && source[j + 1] !== '!') {
    const close = source.indexOf('>', j);
    return close === -1 ? source.length : close + 1;
  }
  if (source[j] === '<') return j + 2;
  while (j < source.length && !':=!)'.includes(source[j] as string)) j++;
  return source[j] === ')' ? j : j + 1;
}

/** Past one escape, including the braced or bracketed forms `\p{…}`, `\u{…}` and `\k<…>`. */
function skipEscape(source: string, i: number): number {
  const letter = source[i + 1];
  const opener = source[i + 2];
  if ((letter === 'p' || letter === 'P' || letter === 'u') && opener === '{') {
    const close = source.indexOf('}', i + 3);
    return close === -1 ? source.length : close + 1;
  }
  if (letter === 'k' && opener === '<') {
    const close = source.indexOf('>', i + 3);
    return close === -1 ? source.length : close + 1;
  }
  return Math.min(source.length, i + 2);
}

/** Past a character class; with the `v` flag classes nest. Quantifier characters inside mean themselves. */
function skipClass(source: string, i: number, nested: boolean): number {
  let depth = 0;
  let j = i;
  while (j < source.length) {
    const ch = source[j];
    if (ch === '\\') {
      j += 2;
      continue;
    }
    if (ch === '[' && (depth === 0 || nested)) depth++;
    else if (ch === ']') {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return source.length;
}

/** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy; undefined when none starts at i. */
function readQuantifier(source: string, i: number): Quantifier | undefined {
  const ch = source[i];
  let end: number;
  let unbounded: boolean;
  if (ch === '*' || ch === '+') {
    end = i + 1;
    unbounded = true;
  } else if (ch === '?') {
    end = i + 1;
    unbounded = false;
  } else if (ch === '{') {
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (!braces) return undefined;
    end = i + braces[0].length;
    unbounded = braces[2] !== undefined && braces[3] === '';
  } else {
    return undefined;
  }
  if (source[end] === '?') end++;
  return { end, unbounded };
}
