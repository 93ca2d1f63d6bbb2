import { describe, expect, it } from 'vitest';
import type { Pattern } from '../../../src/core/pattern.ts';
import { flagPrompt, flagSaved } from '../../../src/slack/blocks/flag.ts';
import { homeView } from '../../../src/slack/blocks/home.ts';
import { LIMITS } from '../../../src/slack/blocks/limits.ts';
import { addPatternModal, newProblemModal, thresholdModal } from '../../../src/slack/blocks/modals.ts';
import { modelComparison, modelList } from '../../../src/slack/blocks/models.ts';
import { patternList } from '../../../src/slack/blocks/patterns.ts';
import { type ProblemCardData, problemCard } from '../../../src/slack/blocks/problem-card.ts';
import { type ProblemRowData, problemList, usageMessage } from '../../../src/slack/blocks/problem-list.ts';
import { problemOptions } from '../../../src/slack/blocks/problem-options.ts';

const EVIL = '<!channel> @here <https://evil.example|click> & <@U123>';
const LONG = 'x'.repeat(10_000);

function card(over: Partial<ProblemCardData> = {}): ProblemCardData {
  return {
    key: 'P-1',
    title: 'Sarcasm',
    status: 'open',
    severity: 'high',
    threshold: 0.8,
    patternCount: 3,
    latest: null,
    ...over,
  };
}

function row(i: number, title = `Problem ${i}`): ProblemRowData {
  return {
    key: `P-${i}`,
    title,
    status: 'open',
    severity: 'medium',
    threshold: null,
    patternCount: i,
    rates: [],
  };
}

function pattern(id: number, input: string): Pattern {
  return {
    id,
    problemId: 1,
    revisionId: id,
    revision: 1,
    input,
    expectation: { label: 'negative' },
    polarity: 'positive',
    source: 'import',
    sourceChannel: null,
    sourceTs: null,
    sourcePermalink: 'javascript:alert(1)',
    creatorId: null,
    notes: '',
    active: true,
    createdAt: new Date(0),
  };
}

/** Text inside a Block Kit structure: mrkdwn only (Slack never parses plain_text for mentions or links), or all of it. */
function texts(value: unknown, all = false): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => texts(v, all));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const own = typeof o.text === 'string' && (all || o.type === 'mrkdwn') ? [o.text] : [];
    return [...own, ...Object.values(o).flatMap((v) => texts(v, all))];
  }
  return [];
}

function section3000(blocks: unknown[]): void {
  for (const t of texts(blocks, true)) expect(t.length).toBeLessThanOrEqual(LIMITS.sectionText);
}

describe('user text never becomes a mention or a link', () => {
  it.each([
    [
      'problem card',
      () =>
        problemCard(card({ title: EVIL, description: EVIL, latest: { model: EVIL, passRate: 0.5, n: 2 } })),
    ],
    ['problem list', () => problemList([row(1, EVIL)], 'Open problems')],
    ['flag prompt', () => flagPrompt({ flagId: 1, flaggedBy: 'U1', text: EVIL, hasOpenProblems: true })],
    [
      'pattern list',
      () => patternList({ key: 'P-1', title: EVIL }, [{ pattern: pattern(1, EVIL), outcomes: [] }]),
    ],
    ['usage error', () => usageMessage(EVIL, 'usage')],
    ['model comparison', () => modelComparison('a@1', 'a@2', [])],
  ])('%s', (_, build) => {
    const { text, blocks } = build();
    const all = [text, ...texts(blocks)].join('\n');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toMatch(/@here\b/);
    expect(all).not.toContain('<https://evil.example');
    expect(all).not.toContain('<@U123>');
    expect(text.length).toBeGreaterThan(0);
  });

  it('a non-http source reference is not linked', () => {
    const { blocks } = patternList({ key: 'P-1', title: 't' }, [{ pattern: pattern(1, 'in'), outcomes: [] }]);
    expect(JSON.stringify(blocks)).not.toContain('javascript:');
  });
});

describe('Slack limits', () => {
  it('a long title and description stay under 3,000 characters per text block', () => {
    const { blocks, text } = problemCard(card({ title: LONG, description: LONG }));
    section3000(blocks);
    expect(text.length).toBeLessThanOrEqual(LIMITS.messageText);
  });

  it('a list of 200 problems is capped at 50 blocks and says how many are hidden', () => {
    const { blocks } = problemList(
      Array.from({ length: 200 }, (_, i) => row(i + 1)),
      'Open problems',
    );
    expect(blocks).toHaveLength(LIMITS.messageBlocks);
    expect(JSON.stringify(blocks.at(-1))).toContain('152 more');
  });

  it('App Home with 300 problems stays within 100 blocks', () => {
    const view = homeView({
      problems: Array.from({ length: 300 }, (_, i) => row(i + 1)),
      awaitingSignoff: [],
      flags: [],
      now: new Date(0),
    });
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(JSON.stringify(view.blocks.at(-1))).toContain('more');
  });

  it('modals keep titles and initial values within Slack limits; the problem picker is a type-ahead', () => {
    const modal = addPatternModal({
      metadata: { channel: 'C1' },
      hasOpenProblems: true,
      allowNewProblem: true,
      initialInput: LONG,
    });
    expect((modal.title as { text: string }).text.length).toBeLessThanOrEqual(LIMITS.modalTitle);
    const select = (
      modal.blocks as { block_id?: string; element?: { type?: string; options?: unknown } }[]
    ).find((b) => b.block_id === 'problem');
    expect(select?.element?.type).toBe('external_select');
    expect(select?.element?.options).toBeUndefined();
    const input = (modal.blocks as { block_id?: string; element?: { initial_value?: string } }[]).find(
      (b) => b.block_id === 'input',
    );
    expect(input?.element?.initial_value?.length).toBeLessThanOrEqual(LIMITS.inputInitialValue);
  });

  it('problem options stay within Slack limits for 250 long titles', () => {
    const { options } = problemOptions(
      Array.from({ length: 250 }, (_, i) => ({ key: `P-${i}`, title: LONG })),
    );
    expect(options).toHaveLength(LIMITS.selectOptions);
    for (const o of options) {
      expect(o.text.text.length).toBeLessThanOrEqual(LIMITS.optionText);
      expect(o.text.text.startsWith(o.value ?? '')).toBe(true);
    }
  });

  it('modals with no open problems ask for a new title instead of an empty select', () => {
    const modal = addPatternModal({ metadata: {}, hasOpenProblems: false, allowNewProblem: true });
    const ids = (modal.blocks as { block_id?: string }[]).map((b) => b.block_id);
    expect(ids).not.toContain('problem');
    expect(ids).toContain('new_problem_title');
  });

  it.each([
    ['new problem', () => newProblemModal({ channel: 'C1' })],
    ['threshold', () => thresholdModal({ key: 'P-1', title: 't', threshold: 0.75 }, { key: 'P-1' })],
  ])('%s modal carries its metadata and a submit button', (_, build) => {
    const modal = build();
    expect(modal.submit).toBeDefined();
    expect(() => JSON.parse(String(modal.private_metadata))).not.toThrow();
  });

  it('fallback text is always set', () => {
    expect(modelList([]).text).not.toBe('');
    expect(
      flagSaved({
        problemKey: 'P-1',
        problemLink: null,
        patternId: 2,
        expectation: { label: 'x' },
        savedBy: 'U1',
      }).text,
    ).toContain('#2');
  });
});

describe('card content', () => {
  it.each([
    [null, 'not evaluated yet'],
    [{ model: 'm@1', passRate: 0.9, n: 10 }, '90% :white_check_mark:'],
    [{ model: 'm@1', passRate: 0.5, n: 10 }, '50% :x:'],
  ])('latest %j reads "%s"', (latest, expected) => {
    expect(JSON.stringify(problemCard(card({ latest })).blocks)).toContain(expected);
  });

  it('an ungated problem says so', () => {
    expect(JSON.stringify(problemCard(card({ threshold: null })).blocks)).toContain('not gated');
  });
});
