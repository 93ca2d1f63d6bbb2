import type { Rating } from './observation.ts';

/**
 * Which rating a reaction means, if any. Slack names a skin-toned thumb `+1::skin-tone-3`; it is the same
 * opinion as `+1`, so the tone is dropped before matching.
 */
export function ratingOfReaction(
  reaction: string,
  emojis: { upEmojis: readonly string[]; downEmojis: readonly string[] },
): Rating | null {
  const base = reaction.split('::')[0] ?? reaction;
  if (emojis.upEmojis.includes(base)) return 'up';
  if (emojis.downEmojis.includes(base)) return 'down';
  return null;
}

/** The instant a Slack message was posted, from its ts (seconds.micros). */
export function instantOfTs(ts: string): Date | null {
  const seconds = Number(ts);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(Math.round(seconds * 1000)) : null;
}
