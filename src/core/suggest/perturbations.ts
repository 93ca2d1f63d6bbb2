import {
  CONTRACTIONS,
  DIMINISHERS,
  INTENSIFIERS,
  NEGATABLE,
  PERSON_NAMES,
  PLACES,
  PLAIN_SUBJECTS,
  PLAIN_VERBS,
  SENTIMENT_ADJECTIVES,
} from './lexicon.ts';
import type { Rng } from './prng.ts';

/**
 * CheckList-style text perturbations. Each takes a text and a seeded generator and returns one edited text
 * (or null when the sentence does not allow it), with a short note of what it changed. What each edit implies
 * for the model's answer is its `effect`; suggest.ts turns that into an expectation.
 */

/** invariance: should not matter; negation: flips the sentiment; intensify/diminish: moves its strength. */
export type PerturbationEffect = 'invariance' | 'negation' | 'intensify' | 'diminish';

export type PerturbationName =
  | 'typo:swap'
  | 'typo:drop'
  | 'typo:double'
  | 'contraction:expand'
  | 'contraction:contract'
  | 'punctuation'
  | 'casing'
  | 'swap:name'
  | 'swap:place'
  | 'swap:number'
  | 'negation:add'
  | 'negation:remove'
  | 'intensifier:add'
  | 'intensifier:remove'
  | 'diminisher:add'
  | 'diminisher:remove';

export interface Edit {
  text: string;
  detail: string;
}

export interface Perturbation {
  name: PerturbationName;
  effect: PerturbationEffect;
  apply(text: string, rng: Rng): Edit | null;
}

interface Word {
  word: string;
  start: number;
  end: number;
}

/** Every perturbation tokenises the same text several times; the last tokenisation is kept (32 KB inputs). */
let cached: { text: string; words: Word[] } | null = null;

function words(text: string): Word[] {
  if (cached?.text !== text) cached = { text, words: tokenise(text) };
  return cached.words;
}

function tokenise(text: string): Word[] {
  return [...text.matchAll(/[A-Za-z][A-Za-z'’]*/g)].map((m) => ({
    word: m[0],
    start: m.index,
    end: m.index + m[0].length,
  }));
}

function splice(text: string, start: number, end: number, replacement: string): string {
  return text.slice(0, start) + replacement + text.slice(end);
}

/** The replacement with the original's first-letter case ("Isn't" → "Is not"). */
function matchCase(original: string, replacement: string): string {
  const first = original[0] ?? '';
  if (first !== first.toUpperCase() || first === first.toLowerCase()) return replacement;
  return (replacement[0] ?? '').toUpperCase() + replacement.slice(1);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const NEGATION_WORD = /\b(not|no|never|nothing|nobody|none|neither|nor|cannot)\b|n['’]t\b/i;

function typo(name: 'typo:swap' | 'typo:drop' | 'typo:double', minLength: number): Perturbation {
  return {
    name,
    effect: 'invariance',
    apply(text, rng) {
      // A typo in "not" or "never" would test negation, not spelling: those words are left alone.
      const candidates = words(text).filter(
        (w) => /^[A-Za-z]+$/.test(w.word) && w.word.length >= minLength && !NEGATION_WORD.test(w.word),
      );
      if (candidates.length === 0) return null;
      const w = rng.pick(candidates);
      const chars = [...w.word];
      let edited: string;
      let detail: string;
      if (name === 'typo:swap') {
        const spots = chars
          .slice(0, -1)
          .flatMap((c, i) => (c.toLowerCase() !== chars[i + 1]?.toLowerCase() ? [i] : []));
        if (spots.length === 0) return null;
        const i = rng.pick(spots);
        [chars[i], chars[i + 1]] = [chars[i + 1] as string, chars[i] as string];
        edited = chars.join('');
        detail = `swapped two letters in "${w.word}"`;
      } else if (name === 'typo:drop') {
        const i = rng.int(chars.length);
        chars.splice(i, 1);
        edited = chars.join('');
        detail = `dropped "${w.word[i]}" from "${w.word}"`;
      } else {
        const i = rng.int(chars.length);
        chars.splice(i, 0, chars[i] as string);
        edited = chars.join('');
        detail = `doubled "${w.word[i]}" in "${w.word}"`;
      }
      return { text: splice(text, w.start, w.end, edited), detail: `${detail} → "${edited}"` };
    },
  };
}

function contraction(direction: 'expand' | 'contract'): Perturbation {
  return {
    name: `contraction:${direction}`,
    effect: 'invariance',
    apply(text, rng) {
      const found: { at: number; length: number; from: string; to: string }[] = [];
      for (const [short, long] of CONTRACTIONS) {
        const [from, to] = direction === 'expand' ? [short, long] : [long, short];
        const re = new RegExp(`\\b${escapeRegex(from).replace("'", "['’]")}\\b`, 'gi');
        for (const m of text.matchAll(re)) found.push({ at: m.index, length: m[0].length, from: m[0], to });
      }
      if (found.length === 0) return null;
      const hit = rng.pick(found);
      const to = matchCase(hit.from, hit.to);
      return {
        text: splice(text, hit.at, hit.at + hit.length, to),
        detail: `${direction === 'expand' ? 'expanded' : 'contracted'} "${hit.from}" → "${to}"`,
      };
    },
  };
}

const punctuation: Perturbation = {
  name: 'punctuation',
  effect: 'invariance',
  apply(text, rng) {
    const trimmed = text.trimEnd();
    const end = /[.!?…]+$/.exec(trimmed);
    if (end) {
      const options = ['', end[0] === '.' ? '!' : '.'];
      const to = rng.pick(options);
      const edited = trimmed.slice(0, end.index) + to;
      if (edited.trim() === '') return null;
      return {
        text: edited,
        detail: to === '' ? `removed the final "${end[0]}"` : `ended with "${to}" instead of "${end[0]}"`,
      };
    }
    if (!/[A-Za-z0-9]$/.test(trimmed)) return null;
    const to = rng.pick(['.', '!']);
    return { text: trimmed + to, detail: `added a final "${to}"` };
  },
};

const casing: Perturbation = {
  name: 'casing',
  effect: 'invariance',
  apply(text) {
    const lower = text.toLowerCase();
    if (lower !== text) return { text: lower, detail: 'lower-cased everything' };
    const at = text.search(/[a-z]/);
    if (at === -1) return null;
    return {
      text: splice(text, at, at + 1, (text[at] as string).toUpperCase()),
      detail: 'capitalised the first letter',
    };
  },
};

function swapFrom(name: 'swap:name' | 'swap:place', list: readonly string[], noun: string): Perturbation {
  return {
    name,
    effect: 'invariance',
    apply(text, rng) {
      const present = list.filter((item) => new RegExp(`\\b${item}\\b`).test(text));
      if (present.length === 0) return null;
      const from = rng.pick(present);
      const to = rng.pick(list.filter((item) => !present.includes(item)));
      return {
        text: text.replace(new RegExp(`\\b${from}\\b`, 'g'), to),
        detail: `${noun} "${from}" → "${to}"`,
      };
    },
  };
}

const swapNumber: Perturbation = {
  name: 'swap:number',
  effect: 'invariance',
  apply(text, rng) {
    const numbers = [...text.matchAll(/\b\d{1,9}\b/g)];
    if (numbers.length === 0) return null;
    const m = rng.pick(numbers);
    const from = Number(m[0]);
    // Same number of digits, so "3 days" stays a small number and "2024" stays a year-like one.
    const digits = m[0].length;
    const low = digits === 1 ? 0 : 10 ** (digits - 1);
    const span = 10 ** digits - low;
    let to = low + rng.int(span);
    if (to === from) to = low + ((to - low + 1) % span);
    if (to === from) return null;
    return {
      text: splice(text, m.index, m.index + m[0].length, String(to)),
      detail: `number ${from} → ${to}`,
    };
  },
};

const addNegation: Perturbation = {
  name: 'negation:add',
  effect: 'negation',
  apply(text, rng) {
    if (NEGATION_WORD.test(text)) return null;
    const ws = words(text);
    const spots: Edit[] = [];
    for (const [i, w] of ws.entries()) {
      const lower = w.word.toLowerCase();
      if (NEGATABLE.some(([aux]) => aux === lower) && ws[i + 1] !== undefined) {
        spots.push({ text: splice(text, w.end, w.end, ' not'), detail: `"${w.word}" → "${w.word} not"` });
      }
      const verb = ws[i + 1];
      if (PLAIN_SUBJECTS.includes(lower) && verb && PLAIN_VERBS.includes(verb.word.toLowerCase())) {
        spots.push({
          text: splice(text, verb.start, verb.start, "don't "),
          detail: `"${w.word} ${verb.word}" → "${w.word} don't ${verb.word}"`,
        });
      }
    }
    return spots.length === 0 ? null : rng.pick(spots);
  },
};

const removeNegation: Perturbation = {
  name: 'negation:remove',
  effect: 'negation',
  apply(text, rng) {
    const spots: Edit[] = [];
    const auxes = NEGATABLE.map(([aux]) => aux).join('|');
    for (const m of text.matchAll(new RegExp(`\\b(${auxes}|do|does|did)\\s+not\\b\\s*`, 'gi'))) {
      const aux = m[1] as string;
      const keep = /^(do|does|did)$/i.test(aux) ? '' : `${aux} `;
      spots.push({
        text: splice(text, m.index, m.index + m[0].length, keep),
        detail: `removed "not" after "${aux}"`,
      });
    }
    for (const [aux, short] of [...NEGATABLE, ['do', "don't"] as const]) {
      const re = new RegExp(`\\b${short.replace("'", "['’]")}\\b${aux === 'do' ? '\\s*' : ''}`, 'gi');
      for (const m of text.matchAll(re)) {
        const to = aux === 'do' ? '' : matchCase(m[0], aux);
        spots.push({
          text: splice(text, m.index, m.index + m[0].length, to),
          detail: `"${m[0].trim()}" → "${to || '(nothing)'}"`,
        });
      }
    }
    for (const m of text.matchAll(/\bnever\s+/gi))
      spots.push({ text: splice(text, m.index, m.index + m[0].length, ''), detail: 'removed "never"' });
    const edits = spots.filter((s) => s.text.trim() !== '' && !NEGATION_WORD.test(s.text));
    return edits.length === 0 ? null : rng.pick(edits);
  },
};

/** Adjectives with no intensifier or diminisher right before them. */
function bareAdjectives(text: string): Word[] {
  const ws = words(text);
  const modifiers = new Set([...INTENSIFIERS, ...DIMINISHERS.map((d) => d.split(' ').at(-1) as string)]);
  return ws.filter(
    (w, i) =>
      SENTIMENT_ADJECTIVES.includes(w.word.toLowerCase()) &&
      !modifiers.has(ws[i - 1]?.word.toLowerCase() ?? ''),
  );
}

function addModifier(name: 'intensifier:add' | 'diminisher:add', list: readonly string[]): Perturbation {
  return {
    name,
    effect: name === 'intensifier:add' ? 'intensify' : 'diminish',
    apply(text, rng) {
      // Inside a negation ("not good") a modifier's effect turns around; leave those sentences alone.
      if (NEGATION_WORD.test(text)) return null;
      const spots = bareAdjectives(text);
      if (spots.length === 0) return null;
      const w = rng.pick(spots);
      const modifier = rng.pick(list);
      return {
        text: splice(text, w.start, w.start, `${modifier} `),
        detail: `"${w.word}" → "${modifier} ${w.word}"`,
      };
    },
  };
}

function removeModifier(
  name: 'intensifier:remove' | 'diminisher:remove',
  list: readonly string[],
): Perturbation {
  return {
    name,
    effect: name === 'intensifier:remove' ? 'diminish' : 'intensify',
    apply(text, rng) {
      if (NEGATION_WORD.test(text)) return null;
      const alternatives = list.map((m) => escapeRegex(m).replace(' ', '\\s+')).join('|');
      const adjectives = SENTIMENT_ADJECTIVES.join('|');
      const found = [...text.matchAll(new RegExp(`\\b(${alternatives})\\s+(?=(${adjectives})\\b)`, 'gi'))];
      if (found.length === 0) return null;
      const m = rng.pick(found);
      return {
        text: splice(text, m.index, m.index + m[0].length, ''),
        detail: `removed "${(m[1] as string).trim()}"`,
      };
    },
  };
}

export const PERTURBATIONS: readonly Perturbation[] = [
  typo('typo:swap', 3),
  typo('typo:drop', 4),
  typo('typo:double', 3),
  contraction('expand'),
  contraction('contract'),
  punctuation,
  casing,
  swapFrom('swap:name', PERSON_NAMES, 'name'),
  swapFrom('swap:place', PLACES, 'place'),
  swapNumber,
  addNegation,
  removeNegation,
  addModifier('intensifier:add', INTENSIFIERS),
  removeModifier('intensifier:remove', INTENSIFIERS),
  addModifier('diminisher:add', DIMINISHERS),
  removeModifier('diminisher:remove', DIMINISHERS),
];
