import { politePhrases, rudePhrases } from './lexicon.ts';

export const TOXICITY_LABELS = ['non_toxic', 'toxic'] as const;

/** Lexicon classifier: toxic when a rude phrase appears; the score is the toxicity share in [0, 1]. */
export function classifyToxicity(text: string): { label: (typeof TOXICITY_LABELS)[number]; score: number } {
  const rude = rudePhrases(text).length;
  const polite = politePhrases(text).length;
  const score = rude === 0 ? 0 : Math.round((rude / (rude + polite + 0.5)) * 1000) / 1000;
  return { label: rude > 0 ? 'toxic' : 'non_toxic', score };
}
