import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { validateObservation } from '../../src/core/observation.ts';
import { observationRatings, observations } from '../../src/db/schema.ts';
import { addObservations } from '../../src/services/observations.ts';
import { BOT_USER_ID } from '../support/slack-api/ids.ts';
import { CHANNEL, harnessPerFile, OTHER, seedResults, USER } from './harness.ts';

const PRODBOT = 'B0SUPPORT';
const h = harnessPerFile({
  observations: {
    retentionDays: 90,
    upEmojis: ['+1', 'thumbsup'],
    downEmojis: ['-1'],
    ratedBots: { [PRODBOT]: 'support-bot@v3' },
  },
});

function reaction(type: 'reaction_added' | 'reaction_removed', user: string, ts: string, name: string) {
  return {
    type,
    user,
    reaction: name,
    item: { type: 'message', channel: CHANNEL, ts },
    item_user: 'U0PRODBOT',
  };
}

/** Every request's listeners have finished: the double's record and the database are settled. */
async function send(event: Record<string, unknown>) {
  const before = h.handled();
  const res = await h.event(event);
  expect(res.status).toBe(200);
  await h.api.waitFor(() => h.handled() > before || undefined);
}

async function observationOf(ts: string) {
  const [row] = await h.deps.db.select().from(observations).where(eq(observations.slackTs, ts));
  return row;
}

describe('rating reactions through the Bolt receiver', () => {
  it('a mapped bot’s message becomes an observation of its model; one rating per person, the latest counts; removal withdraws', async () => {
    const modelId = await seedResults(h.deps, { name: 'support-bot', version: 'v3', outcomes: [] });
    const question = h.api.addMessage(CHANNEL, { user: USER, text: 'Where is my parcel?' });
    const answer = h.api.addMessage(CHANNEL, {
      user: 'U0PRODBOT',
      bot_id: PRODBOT,
      text: 'Your parcel is a banana.',
      thread_ts: question.ts,
    });

    await send(reaction('reaction_added', USER, answer.ts, '-1'));
    let row = await observationOf(answer.ts);
    expect(row).toMatchObject({
      modelId,
      output: 'Your parcel is a banana.',
      input: 'Where is my parcel?',
      ups: 0,
      downs: 1,
    });

    // Same person changes their mind; a skin-toned thumb is still a thumb.
    await send(reaction('reaction_added', USER, answer.ts, '+1::skin-tone-3'));
    await send(reaction('reaction_added', OTHER, answer.ts, '-1'));
    row = await observationOf(answer.ts);
    expect(row).toMatchObject({ ups: 1, downs: 1 });

    // Removing the 👎 USER no longer holds leaves their 👍; removing OTHER's 👎 withdraws it.
    await send(reaction('reaction_removed', USER, answer.ts, '-1'));
    await send(reaction('reaction_removed', OTHER, answer.ts, '-1'));
    row = await observationOf(answer.ts);
    expect(row).toMatchObject({ ups: 1, downs: 0 });
    const ratings = await h.deps.db
      .select()
      .from(observationRatings)
      .where(eq(observationRatings.observationId, row?.id ?? 0));
    expect(ratings.map((r) => [r.rater, r.rating, r.source])).toEqual([[USER, 'up', 'slack']]);
    // The flag listener ran too and did nothing for a thumb: no prompt in the thread.
    expect(h.api.thread(CHANNEL, question.ts)).toHaveLength(2);
  });

  it('an unmapped sender’s message is kept unattributed; other emojis and Canary’s own posts are ignored', async () => {
    const msg = h.api.addMessage(CHANNEL, { user: 'U0HUMAN', text: 'just chatting' });
    await send(reaction('reaction_added', USER, msg.ts, 'thumbsup'));
    expect(await observationOf(msg.ts)).toMatchObject({ modelId: null, ups: 1, downs: 0 });

    const party = h.api.addMessage(CHANNEL, { user: 'U0HUMAN', text: 'party' });
    await send(reaction('reaction_added', USER, party.ts, 'tada'));
    expect(await observationOf(party.ts)).toBeUndefined();

    const own = h.api.addMessage(CHANNEL, { user: BOT_USER_ID, text: 'Canary summary' });
    await send(reaction('reaction_added', USER, own.ts, '+1'));
    expect(await observationOf(own.ts)).toBeUndefined();
  });

  it('an output posted with Slack metadata is rated by reactions on that message, without reading it', async () => {
    await seedResults(h.deps, { name: 'support-bot', version: 'v4', outcomes: [] });
    const posted = h.api.addMessage(CHANNEL, { user: 'U0APP', text: 'answer from the app' });
    const checked = validateObservation(
      {
        model: 'support-bot@v4',
        input: 'q',
        output: 'answer from the app',
        metadata: { slack: { channel: CHANNEL, ts: posted.ts } },
      },
      4096,
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const { items } = await addObservations(h.deps, [checked.value]);
    h.api.reset();
    await send(reaction('reaction_added', OTHER, posted.ts, '-1'));
    const row = await observationOf(posted.ts);
    expect(row?.id).toBe(items[0]?.id);
    expect(row).toMatchObject({ downs: 1 });
    expect(h.api.callsTo('conversations.history')).toHaveLength(0);
  });

  it('a message rated before the app posted its observation takes the model from the post', async () => {
    await seedResults(h.deps, { name: 'support-bot', version: 'v5', outcomes: [] });
    const posted = h.api.addMessage(CHANNEL, { user: 'U0APP', text: 'early answer' });
    await send(reaction('reaction_added', USER, posted.ts, '-1'));
    const before = await observationOf(posted.ts);
    expect(before?.modelId).toBeNull();
    const checked = validateObservation(
      {
        model: 'support-bot@v5',
        input: 'q5',
        output: 'early answer',
        metadata: { channel: CHANNEL, ts: posted.ts },
      },
      4096,
    );
    if (!checked.ok) throw new Error('invalid');
    const { items } = await addObservations(h.deps, [checked.value]);
    expect(items[0]).toMatchObject({ id: before?.id, status: 'existing' });
    const after = await observationOf(posted.ts);
    expect(after?.modelId).not.toBeNull();
    expect(after).toMatchObject({ input: 'q5', downs: 1 });
  });
});

describe('/problem triage', () => {
  it('lists untriaged 👎 messages newest first, escaped, with their count', async () => {
    const msg = h.api.addMessage(CHANNEL, { user: 'U0HUMAN', text: 'ping <!channel> now' });
    await send(reaction('reaction_added', USER, msg.ts, '-1'));
    h.api.reset();
    await h.command(USER, '/problem', 'triage');
    const reply = await h.api.waitFor(() => h.api.responses[0]);
    const body = reply.body as { response_type: string; blocks: { text?: { text: string } }[] };
    expect(body.response_type).toBe('ephemeral');
    const blocks = JSON.stringify(body.blocks);
    expect(blocks).toContain('Untriaged 👎');
    expect(blocks).toContain('&lt;!channel&gt;');
    expect(blocks).not.toContain('<!channel>');
    const row = await observationOf(msg.ts);
    // Newest first: the message just rated heads the list.
    expect(body.blocks[1]?.text?.text).toMatch(new RegExp(`^\\*#${row?.id}\\* · 👎 ×1 · unattributed`));
  });
});
