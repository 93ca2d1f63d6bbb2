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

/**
 * Postgres text and jsonb cannot hold U+0000, so a value carrying one would fail deep in a write. The path of
 * the first one found (e.g. `input.text`), or null; walks objects and arrays without recursion.
 */
export function findNul(value: unknown, path = ''): string | null {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return p || 'value';
    } else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) stack.push([item, `${p}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) return p ? `${p}.${k}` : k;
        stack.push([item, p ? `${p}.${k}` : k]);
      }
    }
  }
  return null;
}
