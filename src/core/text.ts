const ELLIPSIS = '…';

/**
 * Makes user text safe inside Slack mrkdwn: escapes the three control characters Slack asks for (which
 * also defuses `<!channel>`-style special mentions) and breaks bare `@channel`/`@here`/`@everyone` with a
 * zero-width space, so a pattern's text can never ping a whole channel.
 */
export function escapeSlack(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200B$1');
}

/** Cuts to at most `max` characters (ellipsis included). */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  if (max === 1) return ELLIPSIS;
  return chars.slice(0, max - 1).join('') + ELLIPSIS;
}

/**
 * Shortens a model name for narrow places (chart legends, buttons) keeping what tells models apart:
 * the start and the end, where versions live. "sentiment-roberta-large@v12" → "sentim…large@v12".
 */
export function shortenModelName(name: string, max: number): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  if (max <= 3) return truncate(name, max);
  const budget = max - 1;
  const tail = boundaryTailLength(chars, budget - Math.ceil(budget * 0.4)) ?? Math.floor(budget / 2);
  return chars.slice(0, budget - tail).join('') + ELLIPSIS + chars.slice(chars.length - tail).join('');
}

/** Longest suffix no longer than `limit` that starts at a word boundary ("large@v12", "@v12"). */
function boundaryTailLength(chars: string[], limit: number): number | null {
  let best: number | null = null;
  for (let i = chars.length - 1; i > 0; i--) {
    const length = chars.length - i;
    if (length > limit) break;
    const c = chars[i];
    const before = chars[i - 1];
    if (c === '@' || (before !== undefined && '-_/.:'.includes(before))) best = length;
  }
  return best;
}

/** U+0000, or a UTF-16 surrogate without its pair: what Postgres text and jsonb cannot hold. */
const UNSTORABLE_CHAR = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** How deep user JSON may nest anywhere it is stored; deeper values overflow recursive code (a 500). */
export const MAX_USER_JSON_DEPTH = 64;

export interface Unstorable {
  path: string;
  problem: 'nul' | 'surrogate' | 'depth';
}

/**
 * Postgres text and jsonb cannot hold U+0000 or an unpaired surrogate, so a value carrying one would fail
 * deep in a write; a value nesting thousands deep would overflow the stack of whatever walks it next.
 * The first such place found (e.g. `input.text`), or null; walks objects and arrays without recursion.
 */
export function findUnstorable(value: unknown, path = '', maxDepth = MAX_USER_JSON_DEPTH): Unstorable | null {
  const stack: [unknown, string, number][] = [[value, path, 0]];
  while (stack.length > 0) {
    const [v, p, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const found = UNSTORABLE_CHAR.exec(v);
      if (found) return { path: p || 'value', problem: found[0] === '\u0000' ? 'nul' : 'surrogate' };
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) return { path: p || 'value', problem: 'depth' };
      if (Array.isArray(v)) {
        for (const [i, item] of v.entries()) stack.push([item, `${p}[${i}]`, depth + 1]);
      } else {
        for (const [k, item] of Object.entries(v)) {
          const at = p ? `${p}.${k}` : k;
          const bad = UNSTORABLE_CHAR.exec(k);
          if (bad) return { path: at, problem: bad[0] === '\u0000' ? 'nul' : 'surrogate' };
          stack.push([item, at, depth + 1]);
        }
      }
    }
  }
  return null;
}

/** The path of the first U+0000 in a value, or null (see findUnstorable for the wider check). */
export function findNul(value: unknown, path = ''): string | null {
  const found = findUnstorable(value, path, Number.POSITIVE_INFINITY);
  return found?.problem === 'nul' ? found.path : null;
}
