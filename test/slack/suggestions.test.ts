import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { metricsFromCounts } from '../../src/core/metrics.ts';
import type { Problem } from '../../src/core/problem.ts';
import { patterns } from '../../src/db/schema.ts';
import { addPatterns } from '../../src/services/patterns.ts';
import { createProblem, setProblemHome } from '../../src/services/problems.ts';
import { flagSaved } from '../../src/slack/blocks/flag.ts';
import { problemResultMessage } from '../../src/slack/blocks/problem-result.ts';
import { patternReceipt } from '../../src/slack/blocks/suggestions.ts';
import { CHANNEL, harnessPerFile, USER } from './harness.ts';

/** Whatever JSON.parse gives back: views and blocks are checked by the assertions. */
type Parsed = ReturnType<typeof JSON.parse>;

const h = harnessPerFile();
const ORIGINAL = "The support from Maria in London was great, it's fixed in 3 days.";

async function setup(): Promise<{ problem: Problem; patternId: number; home: string }> {
  const home = h.api.addMessage(CHANNEL, { text: 'problem card stand-in', user: USER }).ts;
  const created = await createProblem(h.deps, { title: `Praise misread ${home}`, threshold: 0.8 });
  const problem = await setProblemHome(h.deps, created.id, { channel: CHANNEL, ts: home });
  const { created: rows } = await addPatterns(h.deps, [
    {
      problem: problem.key,
      input: ORIGINAL,
      expectation: { label: 'positive' },
      polarity: 'positive',
      source: 'production',
      notes: '',
    },
  ]);
  return { problem, patternId: (rows[0] as { id: number }).id, home };
}

function findButton(blocks: unknown): Parsed {
  if (Array.isArray(blocks)) {
    for (const item of blocks) {
      const found = findButton(item);
      if (found) return found;
    }
    return null;
  }
  if (blocks === null || typeof blocks !== 'object') return null;
  if ((blocks as Parsed).action_id === 'suggest_related') return blocks;
  return findButton(Object.values(blocks));
}

/** Opens the modal by pressing the button, as Slack would send it, and returns the stored view. */
async function openModal(value: string) {
  const before = h.api.views.length;
  const stand = h.api.addMessage(CHANNEL, { text: 'a message with the button', user: USER });
  const res = await h.pressButton({
    user: USER,
    channel: CHANNEL,
    messageTs: stand.ts,
    actionId: 'suggest_related',
    value,
  });
  expect(res.status).toBe(200);
  return h.api.waitFor(() =>
    h.api.views.slice(before).find((v) => v.view.callback_id === 'pattern_suggestions'),
  );
}

/** state.values as Slack sends them: every box as shown (or as edited), and the ticked checkboxes. */
function stateOf(view: Parsed, ticked: number[], edits: Record<string, string> = {}) {
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks as Parsed[]) {
    if (block.type !== 'input') continue;
    if (block.element.type === 'checkboxes') {
      values[block.block_id] = {
        value: {
          type: 'checkboxes',
          selected_options: ticked.map((i) => block.element.options[i]),
        },
      };
    } else {
      const value = edits[block.block_id] ?? block.element.initial_value;
      values[block.block_id] = { value: { type: 'plain_text_input', value } };
    }
  }
  return values;
}

describe('Suggest related cases, through the real receiver', () => {
  it('/pattern list offers it; the modal proposes ten; Add selected files them with provenance and back-fills', async () => {
    const { problem, patternId, home } = await setup();

    await h.command(USER, '/pattern', `list ${problem.key}`);
    const listing = await h.api.waitFor(() =>
      h.api.responses.find((r) => JSON.stringify(r.body).includes(`#${patternId}`)),
    );
    const button = findButton(listing.body);
    expect(button).toMatchObject({ text: { text: 'Suggest related cases' } });
    expect(JSON.parse(button.value)).toEqual({ patternId });

    const stored = await openModal(button.value);
    const view = stored.view as Parsed;
    const pick = view.blocks.find((b: Parsed) => b.block_id === 'suggest_pick');
    expect(pick.element.type).toBe('checkboxes');
    expect(pick.element.options).toHaveLength(10);
    expect(JSON.stringify(view.blocks)).toContain('suggest_input_9');
    expect(JSON.parse(view.private_metadata)).toMatchObject({ patternId, seed: patternId, n: 10 });

    // Nothing ticked: refused on the checkboxes.
    const none = await h.submitView(stored.id, USER, stateOf(view, []));
    expect(none.body).toMatchObject({
      response_action: 'errors',
      errors: { suggest_pick: expect.stringContaining('Tick') },
    });

    // A broken edit: refused beside that box, nothing written.
    const before = (await h.deps.db.select().from(patterns)).length;
    const bad = await h.submitView(
      stored.id,
      USER,
      stateOf(view, [0, 1, 2], { suggest_expect_2: '{"label": ' }),
    );
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: { suggest_expect_2: expect.stringContaining('JSON') },
    });
    expect(await h.deps.db.select().from(patterns)).toHaveLength(before);

    // Ticked three, the second one's input edited by hand.
    const edited = 'The help from Maria in London was great, fixed in 3 days!';
    const backfillsBefore = h.scheduler.backfills.length;
    const ok = await h.submitView(stored.id, USER, stateOf(view, [0, 1, 2], { suggest_input_1: edited }));
    expect(ok.text).toBe('');
    const made = await h.api.waitFor(async () => {
      const rows = await h.deps.db
        .select()
        .from(patterns)
        .where(eq(patterns.derivedFromPatternId, patternId));
      return rows.length === 3 ? rows : undefined;
    });
    const names = pick.element.options
      .slice(0, 3)
      .map((o: Parsed) => o.text.text.match(/^\d+\. ([a-z]+:?[a-z]*):/)[1]);
    expect(made.map((r) => r.perturbation).sort()).toEqual([...names].sort());
    expect(made.every((r) => r.source === 'contrived' && r.creatorId === USER)).toBe(true);
    const inputs = await Promise.all(
      made.map(
        async (r) =>
          (
            await h.deps.db.query.patternRevisions.findFirst({
              where: (t, { eq: is }) => is(t.patternId, r.id),
            })
          )?.input,
      ),
    );
    expect(inputs).toContain(edited);
    expect(inputs).not.toContain(ORIGINAL);
    await h.api.waitFor(() => h.scheduler.backfills.length >= backfillsBefore + 3 || undefined);
    expect(h.scheduler.backfills.slice(backfillsBefore).every((b) => b.requestedBy === USER)).toBe(true);

    const receipt = await h.api.waitFor(() => h.api.ephemerals.find((e) => e.text.includes('related case')));
    expect(receipt).toMatchObject({ channel: CHANNEL, user: USER });
    expect(receipt.text).toContain(`Added 3 related case(s) of #${patternId} to ${problem.key}`);
    const note = await h.api.waitFor(() =>
      h.api.thread(CHANNEL, home).find((m) => m.text.includes(':seedling:')),
    );
    expect(note.text).toContain(`added 3 related case(s) of #${patternId}`);

    // The same three again: nothing new, and it says so.
    const again = await h.submitView(stored.id, USER, stateOf(view, [0, 1, 2], { suggest_input_1: edited }));
    expect(again.text).toBe('');
    await h.api.waitFor(() => h.api.ephemerals.find((e) => e.text.includes('Already there')));
    expect(
      await h.deps.db.select().from(patterns).where(eq(patterns.derivedFromPatternId, patternId)),
    ).toHaveLength(3);
  });

  it('refuses a forged button value, opening nothing', async () => {
    const before = h.api.views.length;
    const stand = h.api.addMessage(CHANNEL, { text: 'x', user: USER });
    await h.pressButton({
      user: USER,
      channel: CHANNEL,
      messageTs: stand.ts,
      actionId: 'suggest_related',
      value: '{"patternId":"1; drop"}',
    });
    const reply = await h.api.waitFor(() =>
      h.api.responses.find((r) => JSON.stringify(r.body).includes('can no longer be read')),
    );
    expect(reply).toBeDefined();
    expect(h.api.views.length).toBe(before);
  });

  it('says so when the pattern is gone', async () => {
    const stand = h.api.addMessage(CHANNEL, { text: 'x', user: USER });
    await h.pressButton({
      user: USER,
      channel: CHANNEL,
      messageTs: stand.ts,
      actionId: 'suggest_related',
      value: '{"patternId":987654}',
    });
    await h.api.waitFor(() =>
      h.api.responses.find((r) => JSON.stringify(r.body).includes('There is no pattern #987654')),
    );
  });

  it('refuses a submission after the pattern was edited, regenerating nothing stale', async () => {
    const { patternId } = await setup();
    const stored = await openModal(JSON.stringify({ patternId }));
    const { editPattern } = await import('../../src/services/patterns.ts');
    await editPattern(h.deps, patternId, { input: 'The staff were great.' });
    const res = await h.submitView(stored.id, USER, stateOf(stored.view, [0]));
    expect(res.body).toMatchObject({
      response_action: 'errors',
      errors: { suggest_pick: expect.stringContaining('was edited since') },
    });
    expect(
      await h.deps.db.select().from(patterns).where(eq(patterns.derivedFromPatternId, patternId)),
    ).toHaveLength(0);
  });
});

describe('where the button sits', () => {
  it('on the pattern receipt and the flag receipt', () => {
    expect(JSON.parse(findButton(patternReceipt(12, 'P-3').blocks).value)).toEqual({ patternId: 12 });
    const flag = flagSaved({
      problemKey: 'P-3',
      problemLink: null,
      patternId: 7,
      expectation: { label: 'negative' },
      savedBy: USER,
    });
    expect(JSON.parse(findButton(flag.blocks).value)).toEqual({ patternId: 7 });
  });

  it('beside the evidence sentence of a result that has too few patterns to tell', () => {
    const base = {
      model: 'sentiment@v2',
      problem: { key: 'P-3', title: 'Negation', threshold: 0.8 },
      metrics: metricsFromCounts({ passed: 13, failed: 2, errored: 0 }),
      previous: null,
      production: null,
      verdict: null,
      thresholdMet: true,
      broken: [],
      fixed: [],
    };
    const message = problemResultMessage({
      ...base,
      ids: { evaluationId: 1, problemId: 3 },
      suggestPatternId: 41,
    });
    const section = (message.blocks as Parsed[]).find((b) =>
      JSON.stringify(b).includes('Not enough patterns to tell'),
    );
    expect(section.text.text).toMatch(
      /straddles the 80% threshold; about \d+ more at this pass rate would settle it/,
    );
    expect(JSON.parse(section.accessory.value)).toEqual({ patternId: 41 });
    // Plenty of patterns: a quiet context line, no button.
    const clear = problemResultMessage({
      ...base,
      metrics: metricsFromCounts({ passed: 95, failed: 5, errored: 0 }),
      ids: { evaluationId: 1, problemId: 3 },
      suggestPatternId: 41,
    });
    expect(JSON.stringify(clear.blocks)).toContain(
      'Enough patterns: the 95% interval [89%, 98%] lies above the 80% threshold.',
    );
    expect(findButton(clear.blocks)).toBeNull();
  });
});
