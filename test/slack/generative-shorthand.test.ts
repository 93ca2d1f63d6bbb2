import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { models, patternRevisions, patterns } from '../../src/db/schema.ts';
import { getProblem } from '../../src/services/problems.ts';
import { CHANNEL, harnessPerFile, USER } from './harness.ts';

const h = harnessPerFile();

const form = (kind: string, value: string, input = 'This is the worst service') => ({
  input: { value: { type: 'plain_text_input', value: input } },
  input_format: { value: { type: 'static_select', selected_option: { value: 'text' } } },
  expect_kind: { value: { type: 'static_select', selected_option: { value: kind } } },
  expect_value: { value: { type: 'plain_text_input', value } },
  polarity: { value: { type: 'radio_buttons', selected_option: { value: 'positive' } } },
  notes: { value: { type: 'plain_text_input', value: null } },
});

describe('the add-pattern form reads the graded kinds’ shorthand', () => {
  it('says which mistake on the expectation field, and saves once the grader is registered', async () => {
    await h.command(USER, '/problem', 'new Rude replies');
    const card = await h.api.waitFor(() =>
      h.api.messages(CHANNEL).find((m) => m.text.includes('Rude replies')),
    );
    const key = /P-\d+/.exec(card.text)?.[0] as string;
    await h.command(USER, '/pattern', `add ${key}`);
    const view = await h.api.waitFor(() => h.api.views.find((v) => v.view.callback_id === 'pattern_add'));
    const hint = JSON.stringify(view.view.blocks);
    expect(hint).toContain('judge toxicity@1 non_toxic');
    expect(hint).toContain('length 1-400 words');

    const noVersion = await h.submitView(view.id, USER, form('shorthand', 'judge toxicity non_toxic'));
    expect(noVersion.body).toEqual({
      response_action: 'errors',
      errors: {
        expect_value: '"toxicity" is not a grader as name@version; write e.g. judge toxicity@1 non_toxic.',
      },
    });
    const unknown = await h.submitView(view.id, USER, form('judge', 'toxicity@1 non_toxic'));
    expect(unknown.body).toEqual({
      response_action: 'errors',
      errors: { expect_value: 'no model toxicity@1; register it first.' },
    });
    const { id: problemId } = await getProblem(h.deps, key);
    expect(await h.deps.db.select().from(patterns).where(eq(patterns.problemId, problemId))).toHaveLength(0);

    await h.deps.db.insert(models).values({
      name: 'toxicity',
      version: '1',
      adapter: 'kserve-v2',
      url: 'http://models.internal/v2/models/toxicity/infer',
      role: 'grader',
    });
    const ok = await h.submitView(view.id, USER, form('judge', 'toxicity@1 non_toxic'));
    expect(ok.text).toBe('');
    const saved = await h.deps.db
      .select({ expectation: patternRevisions.expectation })
      .from(patternRevisions)
      .innerJoin(patterns, eq(patterns.id, patternRevisions.patternId))
      .where(eq(patterns.problemId, problemId));
    expect(saved.map((r) => r.expectation)).toEqual([
      { judge: { grader: 'toxicity@1', label: 'non_toxic' } },
    ]);
  }, 20_000);
});
