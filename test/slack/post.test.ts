import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackClient } from '../../src/slack/web-api/client.ts';
import { createSlackPoster } from '../../src/slack/web-api/post.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

let api: SlackApi;
const CH = 'C0POSTER';
const OTHER_CH = 'C0OTHER';

beforeAll(async () => {
  api = await startSlackApi();
  api.addChannel({ id: CH, name: 'poster' });
  api.addChannel({ id: OTHER_CH, name: 'other' });
});
afterAll(async () => {
  await api?.close();
});
beforeEach(() => api.reset());

function client() {
  return createSlackClient(
    {
      slack: {
        botToken: api.botToken,
        signingSecret: 's',
        appToken: undefined,
        apiUrl: api.url,
        teamIds: [],
        appId: undefined,
        flagEmoji: 'x',
        signers: [],
        admins: [],
        modelsChannel: undefined,
        ratePerSecond: 1,
      },
    },
    pino({ level: 'silent' }),
  );
}

describe('createSlackPoster', () => {
  it('keeps a thread in order and spaces posts to one channel by 1/rate', async () => {
    const poster = createSlackPoster(client(), { ratePerSecond: 20 });
    const parent = await poster.post({ channel: CH, text: 'parent' });
    const replies = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        poster.post({ channel: CH, thread_ts: parent.ts, text: `reply ${i}` }),
      ),
    );
    expect(replies.map((r) => r.ts)).toEqual([...replies.map((r) => r.ts)].sort());
    expect(api.thread(CH, parent.ts).map((m) => m.text)).toEqual([
      'parent',
      'reply 0',
      'reply 1',
      'reply 2',
      'reply 3',
      'reply 4',
    ]);
    const times = api.callsTo('chat.postMessage').map((c) => c.at.getTime());
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(40);
  });

  it('does not make one channel wait for another', async () => {
    const poster = createSlackPoster(client(), { ratePerSecond: 2 });
    await poster.post({ channel: CH, text: 'first in CH' });
    const started = Date.now();
    await poster.post({ channel: OTHER_CH, text: 'first in OTHER' });
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('a 429 closes only its channel until Retry-After: a post to another channel goes out meanwhile', async () => {
    api.failNext('chat.postMessage', { status: 429, retryAfter: 1, channel: CH });
    const poster = createSlackPoster(client(), { ratePerSecond: 50 });
    const limited = poster.post({ channel: CH, text: 'after a 429' });
    await api.waitFor(() => api.callsTo('chat.postMessage').length === 1);
    await poster.post({ channel: OTHER_CH, text: 'not kept waiting' });
    await limited;
    expect(api.callsTo('chat.postMessage').map((c) => `${String(c.args.channel)} ${c.outcome}`)).toEqual([
      `${CH} 429`,
      `${OTHER_CH} ok`,
      `${CH} ok`,
    ]);
  });

  it('a 429 is retried by the poster after Retry-After and the post still lands', async () => {
    api.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const poster = createSlackPoster(client(), { ratePerSecond: 50 });
    const posted = await poster.post({ channel: CH, text: 'after a 429' });
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    expect(api.callsTo('chat.postMessage').map((c) => c.outcome)).toEqual(['429', 'ok']);
  });

  it('a failed post rejects without stalling the lane', async () => {
    api.setBotMember(OTHER_CH, false);
    const poster = createSlackPoster(client(), { ratePerSecond: 50 });
    await expect(poster.post({ channel: OTHER_CH, text: 'nope' })).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });
    api.setBotMember(OTHER_CH, true);
    await expect(poster.post({ channel: OTHER_CH, text: 'yes' })).resolves.toMatchObject({
      channel: OTHER_CH,
    });
  });

  it('drops idle lanes once their spacing has passed, and still spaces a channel posted to again', async () => {
    const channels = Array.from({ length: 100 }, (_, i) => `C0LANE${String(i).padStart(3, '0')}`);
    for (const id of channels) api.addChannel({ id, name: id.toLowerCase() });
    const poster = createSlackPoster(client(), { ratePerSecond: 2 });
    await Promise.all(channels.map((channel) => poster.post({ channel, text: 'one each' })));
    expect(poster.laneCount()).toBeGreaterThan(0);
    await api.waitFor(() => poster.laneCount() === 0, 3000);

    await poster.post({ channel: CH, text: 'again 1' });
    await poster.post({ channel: CH, text: 'again 2' });
    const [a, b] = api.callsTo('chat.postMessage').filter((c) => c.args.channel === CH);
    expect((b?.at.getTime() as number) - (a?.at.getTime() as number)).toBeGreaterThanOrEqual(450);
    await api.waitFor(() => poster.laneCount() === 0, 3000);
  });

  it('updates a message and uploads a PNG into a thread', async () => {
    const poster = createSlackPoster(client(), { ratePerSecond: 50 });
    const parent = await poster.post({ channel: CH, text: 'chart thread' });
    await poster.update({ channel: CH, ts: parent.ts, text: 'chart thread (edited)' });
    expect(api.messages(CH).find((m) => m.ts === parent.ts)?.text).toBe('chart thread (edited)');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const { fileId } = await poster.uploadPng({
      channel: CH,
      thread_ts: parent.ts,
      filename: 'rates.png',
      png,
      title: 'Pass rates',
    });
    expect(fileId).toBeDefined();
    const file = api.files.find((f) => f.file.id === fileId);
    expect(file?.completed).toBe(true);
    expect(file?.bytes?.equals(png)).toBe(true);
  });
});
