import Sentiment from 'sentiment';
import vader from 'vader-sentiment';

export const SENTIMENT_LABELS = ['negative', 'neutral', 'positive'] as const;
type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

export interface SentimentResult {
  label: SentimentLabel;
  /** Polarity in [-1, 1]: below zero leans negative. */
  score: number;
  /** In SENTIMENT_LABELS order; the label always has the largest share. */
  probabilities: [number, number, number];
}

export interface SentimentModel {
  readonly name: string;
  readonly description: string;
  predict(text: string): SentimentResult;
}

const afinnAnalyzer = new Sentiment();

/** AFINN-165 word scores (-5..5), with the package's own negation handling. */
const afinn: SentimentModel = {
  name: 'afinn',
  description: 'AFINN-165 word scores (npm sentiment)',
  predict(text) {
    const { score, comparative } = afinnAnalyzer.analyze(text);
    // comparative is the mean word score, so dividing by the scale's extreme maps it onto [-1, 1].
    const polarity = clamp(comparative / 5);
    return result(score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral', polarity);
  },
};

/** VADER with its published thresholds on the compound score. */
const vaderModel: SentimentModel = {
  name: 'vader',
  description: 'VADER compound score (npm vader-sentiment)',
  predict(text) {
    const { compound } = vader.SentimentIntensityAnalyzer.polarity_scores(text);
    return result(
      compound >= 0.05 ? 'positive' : compound <= -0.05 ? 'negative' : 'neutral',
      clamp(compound),
    );
  },
};

const NAIVE_POSITIVE = ['good', 'great', 'love', 'like', 'excellent', 'nice', 'happy'];
const NAIVE_NEGATIVE = ['bad', 'terrible', 'awful', 'hate', 'poor', 'sad'];
const WORD = /[a-z']+/g;

/**
 * A deliberately weak keyword model: it ignores negation, so "I don't like it" is positive and
 * "not bad" negative. Useful as the "before" model that a better candidate fixes.
 */
const naive: SentimentModel = {
  name: 'naive',
  description: 'keyword match that ignores negation (deliberately weak)',
  predict(text) {
    const words = text.toLowerCase().match(WORD) ?? [];
    if (words.some((w) => NAIVE_POSITIVE.includes(w))) return result('positive', 0.5);
    if (words.some((w) => NAIVE_NEGATIVE.includes(w))) return result('negative', -0.5);
    return result('neutral', 0);
  },
};

export const MODELS: ReadonlyMap<string, SentimentModel> = new Map(
  [afinn, vaderModel, naive].map((m) => [m.name, m]),
);

function clamp(x: number): number {
  return Math.max(-1, Math.min(1, x));
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** The winner gets at least one half, the two others share the rest, so argmax always gives the label back. */
function result(label: SentimentLabel, polarity: number): SentimentResult {
  const strength = Math.abs(polarity);
  const winner = label === 'neutral' ? 0.9 - 0.4 * strength : 0.5 + 0.4 * strength;
  const other = (1 - winner) / 2;
  const probabilities = SENTIMENT_LABELS.map((l) => round(l === label ? winner : other)) as [
    number,
    number,
    number,
  ];
  return { label, score: round(polarity), probabilities };
}
