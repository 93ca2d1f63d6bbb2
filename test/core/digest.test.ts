import { describe, expect, it } from 'vitest';
import { buildDigest, DIGEST_MAX_LINES, type DigestInput } from '../../src/core/digest.ts';
import { CanaryError } from '../../src/core/errors.ts';

const since = new Date('2026-11-25T09:00:00Z');
const now = new Date('2026-11-26T09:00:00Z');

function input(overrides: Partial<DigestInput> = {}): DigestInput {
  return {
    since,
    now,
    newProblems: [],
    flaggedPatterns: [],
    latest: [],
    brokenSignoffs: [],
    pendingSignoffs: [],
    ...overrides,
  };
}

const healthy = {
  problemKey: 'negation',
  title: 'Negation flips sentiment',
  threshold: 0.8,
  candidate: { model: 'roberta@v3', passRate: 0.9 },
  production: { model: 'roberta@v2', passRate: 0.88 },
  verdict: 'no_clear_change' as const,
};

const titles = (d: ReturnType<typeof buildDigest>) => d.sections.map((s) => s.title);

describe('buildDigest', () => {
  it('calls a day with nothing new quiet, in one line naming the start of the window', () => {
    const digest = buildDigest(input({ latest: [healthy] }));
    expect(digest).toEqual({
      quiet: true,
      headline: 'Quiet day: no new problems, flags or regressions since 2026-11-25 09:00 UTC.',
      sections: [],
    });
  });

  it('mentions waiting sign-offs on a quiet day without making it busy', () => {
    const digest = buildDigest(input({ pendingSignoffs: [{ problemKey: 'a' }, { problemKey: 'b' }] }));
    expect(digest.quiet).toBe(true);
    expect(digest.headline).toMatch(/^Quiet day: .* 2 problems await sign-off\.$/);
    expect(digest.headline).not.toContain('\n');
  });

  it('calls out regressions, problems below threshold and broken sign-offs first', () => {
    const digest = buildDigest(
      input({
        newProblems: [{ key: 'sarcasm', title: 'Sarcasm read as praise' }],
        flaggedPatterns: [{ problemKey: 'sarcasm', patternId: 12, text: 'Oh great,\n another delay' }],
        latest: [
          healthy,
          {
            problemKey: 'sarcasm',
            title: 'Sarcasm read as praise',
            threshold: 0.8,
            candidate: { model: 'roberta@v3', passRate: 0.62 },
            production: { model: 'roberta@v2', passRate: 0.85 },
            verdict: 'regressed',
          },
          {
            problemKey: 'emoji',
            title: 'Emoji only',
            threshold: 0.5,
            candidate: { model: 'roberta@v3', passRate: 0.7 },
            production: { model: 'roberta@v2', passRate: 0.4 },
            verdict: 'improved',
          },
        ],
        brokenSignoffs: [{ problemKey: 'negation', model: 'roberta@v2', signedRate: 0.95, nowRate: 0.88 }],
        pendingSignoffs: [{ problemKey: 'emoji' }],
      }),
    );
    expect(digest.quiet).toBe(false);
    expect(digest.headline).toBe(
      'Since 2026-11-25 09:00 UTC: 1 regression, 1 problem below threshold, 1 broken sign-off, 1 new problem and 1 flagged pattern.',
    );
    expect(titles(digest)).toEqual([
      'Regressions',
      'Below threshold',
      'Broken sign-offs',
      'New problems',
      'Flagged patterns',
      'Improved',
      'Awaiting sign-off',
    ]);
    const lines = Object.fromEntries(digest.sections.map((s) => [s.title, s.lines]));
    expect(lines['Regressions']).toEqual([
      'sarcasm — Sarcasm read as praise: roberta@v3 62% vs production roberta@v2 85%',
    ]);
    expect(lines['Below threshold']).toEqual([
      'sarcasm — Sarcasm read as praise: candidate roberta@v3 at 62%, below its 80% threshold',
    ]);
    expect(lines['Broken sign-offs']).toEqual([
      'negation — Negation flips sentiment: signed off on roberta@v2 at 95%, now 88%',
    ]);
    expect(lines['New problems']).toEqual(['sarcasm — Sarcasm read as praise']);
    expect(lines['Flagged patterns']).toEqual(['sarcasm #12: "Oh great, another delay"']);
    expect(lines['Improved']).toEqual(['emoji — Emoji only: roberta@v3 70% vs production roberta@v2 40%']);
    expect(lines['Awaiting sign-off']).toEqual(['emoji — Emoji only']);
  });

  it.each([
    ['candidate below', { model: 'c', passRate: 0.5 }, { model: 'p', passRate: 0.9 }, ['candidate c at 50%']],
    ['candidate meets, production below', { model: 'c', passRate: 0.9 }, { model: 'p', passRate: 0.5 }, []],
    ['no candidate, production below', null, { model: 'p', passRate: 0.5 }, ['production p at 50%']],
    ['not evaluated', { model: 'c', passRate: null }, null, []],
    ['exactly at threshold', { model: 'c', passRate: 0.8 }, null, []],
  ])('below threshold: %s', (_, candidate, production, expected) => {
    const digest = buildDigest(
      input({
        latest: [{ problemKey: 'k', title: 'k', threshold: 0.8, candidate, production, verdict: null }],
      }),
    );
    const lines = digest.sections.find((s) => s.title === 'Below threshold')?.lines ?? [];
    expect(lines.map((l) => l.replace(/^k: (.*), below.*$/, '$1'))).toEqual(expected);
    expect(digest.quiet).toBe(expected.length === 0);
  });

  it('ignores thresholds on ungated problems', () => {
    const digest = buildDigest(
      input({ latest: [{ ...healthy, threshold: null, candidate: { model: 'c', passRate: 0.1 } }] }),
    );
    expect(digest.quiet).toBe(true);
  });

  it('cuts long sections and long pattern text', () => {
    const flagged = Array.from({ length: 40 }, (_, i) => ({
      problemKey: 'p',
      patternId: i,
      text: 'x'.repeat(500),
    }));
    const digest = buildDigest(input({ flaggedPatterns: flagged }));
    const lines = digest.sections[0]!.lines;
    expect(lines).toHaveLength(DIGEST_MAX_LINES);
    expect(lines.at(-1)).toBe(`… and ${40 - DIGEST_MAX_LINES + 1} more`);
    expect(Array.from(lines[0]!).length).toBeLessThan(140);
    expect(digest.headline).toContain('40 flagged patterns');
  });

  it('refuses a window that ends before it starts', () => {
    expect(() => buildDigest(input({ since: now, now: since }))).toThrow(CanaryError);
  });
});

describe('digest: what users think', () => {
  const base = {
    since: new Date('2026-12-01T09:00:00Z'),
    now: new Date('2026-12-02T09:00:00Z'),
    newProblems: [],
    flaggedPatterns: [],
    latest: [],
    brokenSignoffs: [],
    pendingSignoffs: [],
  };

  it('a significant drop is news, with the satisfaction line', () => {
    const digest = buildDigest({
      ...base,
      users: [
        {
          name: 'support-bot',
          candidate: { label: 'v3', counts: { up: 740, down: 260 } },
          baseline: { label: 'v2', counts: { up: 820, down: 180 } },
        },
      ],
    });
    expect(digest.quiet).toBe(false);
    expect(digest.headline).toContain('1 significant drop in user satisfaction');
    expect(digest.sections).toEqual([
      {
        title: 'What users think',
        lines: ['support-bot — users: 74% 👍 on v3 [71–77%] vs 82% on v2, p < 0.001'],
      },
    ]);
  });

  it('steady ratings leave a quiet day quiet', () => {
    const digest = buildDigest({
      ...base,
      users: [
        {
          name: 'support-bot',
          candidate: { label: 'v3', counts: { up: 82, down: 18 } },
          baseline: { label: 'v2', counts: { up: 74, down: 26 } },
        },
      ],
    });
    expect(digest.quiet).toBe(true);
  });
});
