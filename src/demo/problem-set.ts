import type { Expectation } from '../core/expectations/handler.ts';
import type { PatternInput, PatternSource, Polarity } from '../core/pattern.ts';

/**
 * The demo's problem set, written for Canary: six failure modes a sentiment model's client could complain about.
 * Positive patterns exhibit the problem; negative ones are controls the model must keep getting right.
 */
export interface DemoPattern {
  input: PatternInput;
  expect: Expectation;
  polarity: Polarity;
  source: PatternSource;
  notes?: string;
}

export interface DemoProblem {
  title: string;
  description: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  threshold: number;
  patterns: DemoPattern[];
}

const p = (
  input: string,
  label: string,
  polarity: Polarity = 'positive',
  source: PatternSource = 'contrived',
  notes?: string,
): DemoPattern => ({ input, expect: { label }, polarity, source, ...(notes ? { notes } : {}) });

export const DEMO_PROBLEMS: DemoProblem[] = [
  {
    title: 'Negation is misread',
    description: 'Client ticket #4411: "not good" scored as positive in support-chat triage.',
    severity: 'high',
    threshold: 0.8,
    patterns: [
      p('The update is not good.', 'negative', 'positive', 'production', 'support chat, 2026-10-03'),
      p("I don't like the new dashboard.", 'negative', 'positive', 'production'),
      p('This release is not great at all.', 'negative'),
      p('Never been happy with the delivery times.', 'negative'),
      p('Not a single thing worked as promised.', 'negative'),
      p("I wouldn't recommend this to anyone.", 'negative', 'positive', 'production'),
      p('The app is not bad, honestly.', 'positive'),
      p('Not terrible, it does the job.', 'positive'),
      p("I can't complain about the support team.", 'positive'),
      p('The onboarding was not fun.', 'negative'),
      p('I love the new search.', 'positive', 'negative'),
      p('The invoice export is broken.', 'negative', 'negative'),
    ],
  },
  {
    title: 'Sarcasm reads as praise',
    description: 'Sarcastic complaints land in the "happy customers" queue.',
    severity: 'medium',
    threshold: 0.6,
    patterns: [
      p('Oh great, another outage on a Monday.', 'negative', 'positive', 'production'),
      p('Wonderful, the app crashed again.', 'negative', 'positive', 'production'),
      p('Thanks a lot for deleting my files.', 'negative'),
      p('Just what I needed, a three hour wait.', 'negative'),
      p('Brilliant, I was charged twice.', 'negative'),
      p('Love waiting on hold all afternoon.', 'negative'),
      p('Perfect, the password reset link expired again.', 'negative'),
      p('Awesome, now nothing loads.', 'negative'),
      p('Great job fixing the sync issue so quickly!', 'positive', 'negative'),
      p('Thanks a lot, the refund arrived today.', 'positive', 'negative'),
    ],
  },
  {
    title: 'Intensifiers and diminishers',
    description: 'Degree words should not flip or erase sentiment.',
    severity: 'medium',
    threshold: 0.75,
    patterns: [
      p('The support was extremely helpful.', 'positive'),
      p('The checkout is incredibly slow.', 'negative'),
      p('Somewhat disappointed with the battery.', 'negative'),
      p('Slightly better than the old version.', 'positive'),
      p('Really really happy with it.', 'positive', 'positive', 'production'),
      p('The fees are absurdly high.', 'negative'),
      p('A bit annoying but fine.', 'neutral'),
      p('Hugely impressed by the team.', 'positive'),
      p('Totally useless update.', 'negative', 'positive', 'production'),
      p('Good.', 'positive', 'negative'),
      p('Bad.', 'negative', 'negative'),
    ],
  },
  {
    title: 'Neutral statements get a sentiment',
    description: 'Factual messages are routed as complaints or praise.',
    severity: 'low',
    threshold: 0.7,
    patterns: [
      p('The package arrived on Tuesday.', 'neutral', 'positive', 'production'),
      p('My account number ends in 4471.', 'neutral'),
      p('Please send the invoice to accounting.', 'neutral'),
      p('The meeting moved to 3pm.', 'neutral'),
      p('I am writing about order 5521.', 'neutral', 'positive', 'production'),
      p('The app has a settings page.', 'neutral'),
      p('We use the enterprise plan.', 'neutral'),
      p('The store opens at nine.', 'neutral'),
      p('What time does support close?', 'neutral'),
      p('The new plan is great.', 'positive', 'negative'),
      p('The new plan is awful.', 'negative', 'negative'),
    ],
  },
  {
    title: 'Contrast clauses ("but") ignored',
    description: 'The clause after "but" usually carries the verdict.',
    severity: 'high',
    threshold: 0.7,
    patterns: [
      p('The design is nice but it crashes constantly.', 'negative', 'positive', 'production'),
      p('Great features, but the price is outrageous.', 'negative'),
      p('Support was slow but they solved everything.', 'positive'),
      p('Setup was painful, but now it works perfectly.', 'positive'),
      p('I wanted to love it but it keeps failing.', 'negative', 'positive', 'production'),
      p('Good idea, terrible execution.', 'negative'),
      p('Cheap, but surprisingly excellent quality.', 'positive'),
      p('It looks great but breaks after a week.', 'negative'),
      p('Not what I expected, but I love it.', 'positive'),
      p('The food was great and the staff were lovely.', 'positive', 'negative'),
      p('The room was dirty and the staff were rude.', 'negative', 'negative'),
    ],
  },
  {
    title: 'Typos and spelling change the answer',
    description: 'The prediction must not change with a missing apostrophe or a typo (CheckList INV).',
    severity: 'medium',
    threshold: 0.8,
    patterns: [
      {
        input: "I didn't like it.",
        expect: { invariant: ['I didnt like it.', 'i didnt like it'] },
        polarity: 'positive',
        source: 'contrived',
      },
      {
        input: 'The service was great.',
        expect: { invariant: ['The servcie was great.', 'the service was GREAT'] },
        polarity: 'positive',
        source: 'contrived',
      },
      {
        input: 'Worst purchase ever.',
        expect: { invariant: ['Worst purchse ever.', 'worst purchase ever!!'] },
        polarity: 'positive',
        source: 'production',
      },
      {
        input: 'I love this app.',
        expect: { invariant: ['I luv this app.', 'i love this app'] },
        polarity: 'positive',
        source: 'contrived',
      },
      {
        input: 'It is terrible.',
        expect: { invariant: ["It's terrible.", 'Its terrible.'] },
        polarity: 'positive',
        source: 'contrived',
      },
      {
        input: 'Very happy with the result.',
        expect: { invariant: ['Very hapy with the result.'] },
        polarity: 'positive',
        source: 'contrived',
      },
      {
        input: 'The refund was quick.',
        expect: { invariant: ['The refund was quick!'] },
        polarity: 'negative',
        source: 'contrived',
      },
      {
        input: 'Support never answered.',
        expect: { invariant: ['Support never answerd.'] },
        polarity: 'positive',
        source: 'production',
      },
      {
        input: 'Amazing value.',
        expect: { invariant: ['Amazng value.', 'amazing value'] },
        polarity: 'positive',
        source: 'contrived',
      },
      {
        input: 'Awful experience.',
        expect: { invariant: ['Awfull experience.'] },
        polarity: 'positive',
        source: 'contrived',
      },
    ],
  },
];

/** Filed after the first model ran, to show the back-fill. */
export const LATE_PATTERN = {
  problem: 'Negation is misread',
  pattern: p(
    'Nothing about this is good.',
    'negative',
    'positive',
    'production',
    'flagged in #support after v1',
  ),
};
