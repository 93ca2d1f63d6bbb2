import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CanaryError } from '../../src/core/errors.ts';
import { validateObservation } from '../../src/core/observation.ts';
import { observations } from '../../src/db/schema.ts';
import { addObservations } from '../../src/services/observations.ts';
import { slackObservationCards } from '../../src/slack/web-api/observation-cards.ts';
import { slackFor } from '../notify/seed.ts';
import { BOT_USER_ID } from '../support/slack-api/ids.ts';
import { CHANNEL, harnessPerFile, OTHER, seedResults, USER } from './harness.ts';

const h = harnessPerFile();
beforeAll(async () => {
  await seedResults(h.deps, { name: 'support-bot', version: 'v7', outcomes: [] });
});

function draft(extra: Record<string, unknown>) {
  const checked = validateObservation(
    { model: 'support-bot@v7', input: 'Where is <!channel> my parcel?', output: 'On its way.', ...extra },
    4096,
  );
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.value;
}

async function send(event: Record<string, unknown>) {
  const before = h.handled();
  expect((await h.event(event)).status).toBe(200);
  await h.api.waitFor(() => h.handled() > before || undefined);
}

const reaction = (type: 'reaction_added' | 'reaction_removed', user: string, ts: string, name: string) => ({
  type,
  user,
  reaction: name,
  item: { type: 'message', channel: CHANNEL, ts },
  item_user: BOT_USER_ID,
});

describe('observation cards', () => {
  it('"post" makes Canary post the observation as a card; 👍/👎 on the card rate that observation', async () => {
    const deps = { ...h.deps, cards: slackObservationCards(slackFor(h.api)) };
    const { items } = await addObservations(deps, [
      draft({ externalId: 'turn-1', post: { channel: CHANNEL } }),
    ]);
    const card = items[0]?.card as { channel: string; ts: string };
    expect(card.channel).toBe(CHANNEL);
    const posted = h.api.messages(CHANNEL).find((m) => m.ts === card.ts);
    expect(JSON.stringify(posted?.blocks)).toContain('On its way.');
    // User text is escaped: the card cannot ping the channel.
    expect(JSON.stringify(posted?.blocks)).not.toContain('<!channel>');

    await send(reaction('reaction_added', USER, card.ts, '-1'));
    await send(reaction('reaction_added', OTHER, card.ts, '+1'));
    const rows = await h.deps.db.select().from(observations).where(eq(observations.slackTs, card.ts));
    // The card's reactions rated the observation the application sent, not a new unattributed one.
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: items[0]?.id, externalId: 'turn-1', downs: 1, ups: 1 });
    await send(reaction('reaction_removed', USER, card.ts, '-1'));
    const [after] = await h.deps.db
      .select()
      .from(observations)
      .where(eq(observations.id, items[0]?.id ?? 0));
    expect(after).toMatchObject({ downs: 0, ups: 1 });

    // A retried request finds the observation and posts no second card.
    const cardsBefore = h.api.messages(CHANNEL).length;
    const again = await addObservations(deps, [draft({ externalId: 'turn-1', post: { channel: CHANNEL } })]);
    expect(again.items[0]).toMatchObject({ id: items[0]?.id, status: 'existing' });
    expect(again.items[0]?.card).toBeUndefined();
    expect(h.api.messages(CHANNEL)).toHaveLength(cardsBefore);
  });

  it('a card Slack refuses is reported on the item; the observation is kept', async () => {
    const deps = { ...h.deps, cards: slackObservationCards(slackFor(h.api)) };
    const { items } = await addObservations(deps, [draft({ post: { channel: 'C0NOWHERE' } })]);
    expect(items[0]?.card).toEqual({ error: expect.stringContaining('channel_not_found') });
    const [row] = await h.deps.db
      .select()
      .from(observations)
      .where(eq(observations.id, items[0]?.id ?? 0));
    expect(row).toMatchObject({ slackChannel: null });
  });

  it('refuses "post" without a Slack connection, a bad channel, or alongside metadata.slack', async () => {
    await expect(addObservations(h.deps, [draft({ post: { channel: CHANNEL } })])).rejects.toThrow(
      CanaryError,
    );
    const bad = validateObservation(
      { model: 'a@1', input: 'x', output: 'y', post: { channel: '#general' } },
      4096,
    );
    expect(bad.ok ? [] : bad.errors.map((e) => e.field)).toEqual(['post.channel']);
    const both = validateObservation(
      {
        model: 'a@1',
        input: 'x',
        output: 'y',
        post: { channel: CHANNEL },
        metadata: { slack: { channel: CHANNEL, ts: '1733040000.000100' } },
      },
      4096,
    );
    expect(both.ok ? [] : both.errors.map((e) => e.field)).toEqual(['post']);
  });
});
