import type { KnownBlock } from '@slack/types';
import type { Verdict } from '../../core/compare.ts';
import type { PatternInput, Polarity } from '../../core/pattern.ts';
import { truncate } from '../../core/text.ts';
import { safe } from './limits.ts';

/** Text pieces shared by the result messages (problem result, all changes, summary, back-fill, sign-offs). */

export interface MessageContent {
  text: string;
  blocks: KnownBlock[];
}

/** Broken / fixed patterns listed in a problem message before the rest is only counted. */
export const CHANGES_SHOWN = 5;
const PATTERN_TEXT_MAX = 80;

export interface ChangedPattern {
  patternId: number;
  input: PatternInput;
  polarity: Polarity;
}

const VERDICT_TEXT: Record<Verdict, string> = {
  improved: ':chart_with_upwards_trend: improved',
  regressed: ':warning: regressed',
  no_clear_change: 'no clear change',
};

export function verdictText(verdict: Verdict | null): string {
  return verdict === null ? 'nothing to compare with yet' : VERDICT_TEXT[verdict];
}

export function patternText(input: PatternInput, max = PATTERN_TEXT_MAX): string {
  const raw = typeof input === 'string' ? input : JSON.stringify(input);
  return truncate(raw.replace(/\s+/g, ' ').trim(), max);
}

/** A capped bullet list; the note says how many are left out, so the reader knows it is incomplete. */
export function changeList(
  title: string,
  changes: readonly ChangedPattern[],
  shown = CHANGES_SHOWN,
): string | null {
  if (changes.length === 0) return null;
  const lines = changes
    .slice(0, shown)
    .map((c) => `• #${c.patternId} (${c.polarity}) “${safe(patternText(c.input), PATTERN_TEXT_MAX + 40)}”`);
  if (changes.length > shown) {
    lines.push(
      `_… and ${changes.length - shown} more: see \`canary compare\` or the pattern grid for all of them_`,
    );
  }
  return `*${title} (${changes.length})*\n${lines.join('\n')}`;
}

export function imageBlock(url: string, altText: string, title?: string): KnownBlock {
  return {
    type: 'image',
    image_url: url,
    alt_text: truncate(altText, 2000),
    ...(title ? { title: { type: 'plain_text', text: truncate(title, 2000) } } : {}),
  };
}
