import { WebClient, WebClientEvent } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BOT_USER_ID, type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

let api: SlackApi;
let client: WebClient;

const retryConfig = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 };

beforeAll(async () => {
  api = await startSlackApi();
  api.addUser({ id: 'U1', name: 'ada' });
  api.addChannel({ id: 'C1', name: 'ml-problems', members: ['U1'] });
  api.addChannel({ id: 'C2', name: 'elsewhere', botIsMember: false });
  api.addChannel({ id: 'C3', name: 'ml-models' });
  client = new WebClient('xoxb-test', { slackApiUrl: api.url, retryConfig });
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => api.reset());

async function slackError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { data?: { error?: string } }).data?.error ?? String(e);
  }
  throw new Error('expected the call to fail');
}

describe('slack api double, driven by the real WebClient', () => {
  it('serves under /api/ as slackApiUrl expects and answers auth.test', async () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const auth = await client.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: BOT_USER_ID });
  });

  it('rejects missing and wrong tokens', async () => {
    expect(await slackError(new WebClient(undefined, { slackApiUrl: api.url }).auth.test())).toBe(
      'not_authed',
    );
    expect(await slackError(new WebClient('xoxb-wrong', { slackApiUrl: api.url }).auth.test())).toBe(
      'invalid_auth',
    );
  });

  it('posts, threads and lists messages with monotonic ts', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'problem opened' });
    expect(parent).toMatchObject({ ok: true, channel: 'C1', message: { text: 'problem opened' } });
    expect(parent.ts).toMatch(/^\d+\.\d{6}$/);
    const r1 = await client.chat.postMessage({ channel: 'C1', text: 'reply 1', thread_ts: parent.ts! });
    const r2 = await client.chat.postMessage({ channel: 'C1', text: 'reply 2', thread_ts: parent.ts! });
    expect(Number(r2.ts)).toBeGreaterThan(Number(r1.ts));

    const replies = await client.conversations.replies({ channel: 'C1', ts: parent.ts! });
    expect(replies.messages?.map((m) => m.text)).toEqual(['problem opened', 'reply 1', 'reply 2']);
    expect(replies.messages?.[0]).toMatchObject({ reply_count: 2, latest_reply: r2.ts });
    const history = await client.conversations.history({ channel: 'C1' });
    expect(history.messages?.map((m) => m.text)).toEqual(['problem opened']);
    expect(api.thread('C1', parent.ts!).map((m) => m.text)).toEqual(['problem opened', 'reply 1', 'reply 2']);

    const link = await client.chat.getPermalink({ channel: 'C1', message_ts: r1.ts! });
    expect(link.permalink).toBe(
      `https://example.slack.com/archives/C1/p${r1.ts!.replace('.', '')}?thread_ts=${parent.ts}&cid=C1`,
    );
  });

  it('threads onto messages added by tests and paginates history', async () => {
    const seeded = api.addMessage('C1', { text: 'the model says cat', user: 'U1' });
    api.addMessage('C1', { text: 'second', user: 'U1' });
    await client.chat.postMessage({ channel: 'C1', text: 'noted', thread_ts: seeded.ts });
    const first = await client.conversations.history({ channel: 'C1', limit: 1 });
    expect(first.messages?.map((m) => m.text)).toEqual(['second']);
    expect(first.has_more).toBe(true);
    const next = await client.conversations.history({
      channel: 'C1',
      limit: 1,
      cursor: first.response_metadata?.next_cursor,
    });
    expect(next.messages?.[0]).toMatchObject({ text: 'the model says cat', reply_count: 1 });
  });

  it('updates and deletes the bot’s own messages only', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'v1' });
    const updated = await client.chat.update({ channel: 'C1', ts: posted.ts!, text: 'v2' });
    expect(updated).toMatchObject({ ok: true, ts: posted.ts, text: 'v2' });
    expect(api.messages('C1')[0]).toMatchObject({ text: 'v2', edited: { user: BOT_USER_ID } });
    expect(await slackError(client.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
    const human = api.addMessage('C1', { text: 'mine', user: 'U1' });
    expect(await slackError(client.chat.update({ channel: 'C1', ts: human.ts, text: 'x' }))).toBe(
      'cant_update_message',
    );
    await client.chat.delete({ channel: 'C1', ts: posted.ts! });
    expect(api.messages('C1').map((m) => m.text)).toEqual(['mine']);
  });

  it('rejects missing required arguments with the documented errors', async () => {
    expect(await slackError(client.chat.postMessage({ channel: 'C1' } as never))).toBe('no_text');
    expect(await slackError(client.apiCall('chat.postMessage', { text: 'hi' }))).toBe('channel_not_found');
    expect(await slackError(client.apiCall('views.publish', { view: { type: 'home', blocks: [] } }))).toBe(
      'invalid_arguments',
    );
    expect(await slackError(client.apiCall('users.info', {}))).toBe('user_not_found');
    expect(await slackError(client.apiCall('no.such.method', {}))).toBe('unknown_method');
  });

  it('knows channels, membership, users and usergroups', async () => {
    expect(await slackError(client.chat.postMessage({ channel: 'C404', text: 'x' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(client.chat.postMessage({ channel: 'C2', text: 'x' }))).toBe('not_in_channel');
    api.setBotMember('C2', true);
    await client.chat.postMessage({ channel: '#elsewhere', text: 'joined' });
    expect(api.messages('C2')).toHaveLength(1);
    api.setBotMember('C2', false);
    const info = await client.conversations.info({ channel: 'C1' });
    expect(info.channel).toMatchObject({ id: 'C1', name: 'ml-problems', is_member: true });
    const user = await client.users.info({ user: 'U1' });
    expect(user.user).toMatchObject({ id: 'U1', name: 'ada' });
    api.addUsergroup('S1', ['U1']);
    expect((await client.usergroups.users.list({ usergroup: 'S1' })).users).toEqual(['U1']);
    expect(await slackError(client.usergroups.users.list({ usergroup: 'S9' }))).toBe('no_such_subteam');
  });

  it('adds and reads reactions, refusing a duplicate', async () => {
    const msg = api.addMessage('C1', { text: 'wrong label', user: 'U1' });
    api.addReaction('C1', msg.ts, 'canary', 'U1');
    await client.reactions.add({ channel: 'C1', timestamp: msg.ts, name: 'eyes' });
    expect(await slackError(client.reactions.add({ channel: 'C1', timestamp: msg.ts, name: 'eyes' }))).toBe(
      'already_reacted',
    );
    expect(
      await slackError(client.reactions.add({ channel: 'C1', timestamp: '1.000002', name: 'eyes' })),
    ).toBe('message_not_found');
    const got = await client.reactions.get({ channel: 'C1', timestamp: msg.ts });
    expect(got.message?.reactions).toEqual([
      { name: 'canary', users: ['U1'], count: 1 },
      { name: 'eyes', users: [BOT_USER_ID], count: 1 },
    ]);
  });

  it('retries a 429 after Retry-After and delivers the message once', async () => {
    api.failNext('chat.postMessage', { status: 429, retryAfter: 0 });
    const rateLimited: number[] = [];
    client.once(WebClientEvent.RATE_LIMITED, (sec: number) => rateLimited.push(sec));
    const res = await client.chat.postMessage({ channel: 'C1', text: 'after the storm' });
    expect(res.ok).toBe(true);
    expect(rateLimited).toEqual([0]);
    expect(api.callsTo('chat.postMessage').map((c) => c.outcome)).toEqual(['429', 'ok']);
    expect(api.messages('C1').map((m) => m.text)).toEqual(['after the storm']);
  });

  it('answers 429 exactly as Slack does and injects ok:false errors', async () => {
    api.failNext('auth.test', { status: 429, retryAfter: 7 });
    const raw = await fetch(`${api.url}auth.test`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test' },
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('7');
    expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });

    api.failNext('chat.postMessage', { error: 'is_archived', times: 2 });
    expect(await slackError(client.chat.postMessage({ channel: 'C1', text: 'a' }))).toBe('is_archived');
    expect(await slackError(client.chat.postMessage({ channel: 'C1', text: 'b' }))).toBe('is_archived');
    await client.chat.postMessage({ channel: 'C1', text: 'c' });
    expect(api.messages('C1').map((m) => m.text)).toEqual(['c']);
  });

  it('a 429 scoped to a channel rate-limits that channel until Retry-After has passed, and no other', async () => {
    api.failNext('chat.postMessage', { status: 429, retryAfter: 30, channel: 'C1' });
    const rejecting = new WebClient('xoxb-test', { slackApiUrl: api.url, rejectRateLimitedCalls: true });
    const retryAfter = async (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: { code?: string; retryAfter?: number }) =>
          e.code === 'slack_webapi_rate_limited_error' ? e.retryAfter : e,
      );
    await rejecting.chat.postMessage({ channel: 'C3', text: 'other channel, before' });
    expect(await retryAfter(rejecting.chat.postMessage({ channel: 'C1', text: 'first' }))).toBe(30);
    // Still inside the window: Slack keeps answering 429, counting down.
    const second = await retryAfter(rejecting.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }));
    expect(second).toBeGreaterThanOrEqual(29);
    expect(second).toBeLessThanOrEqual(30);
    await rejecting.chat.postMessage({ channel: 'C3', text: 'other channel, during' });
    expect(api.calls.map((c) => `${c.method} ${String(c.args.channel)} ${c.outcome}`)).toEqual([
      'chat.postMessage C3 ok',
      'chat.postMessage C1 429',
      'chat.update C1 429',
      'chat.postMessage C3 ok',
    ]);
    expect(api.messages('C1')).toEqual([]);
  });

  it('accepts JSON bodies with a bearer token, and form bodies with a token argument', async () => {
    const json = await fetch(`${api.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C1', blocks: [{ type: 'divider' }] }),
    });
    expect(await json.json()).toMatchObject({ ok: true, message: { blocks: [{ type: 'divider' }] } });
    const form = await fetch(`${api.url}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=xoxb-test',
    });
    expect(await form.json()).toMatchObject({ ok: true });
    const jsonToken = await fetch(`${api.url}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'xoxb-test' }),
    });
    expect(await jsonToken.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('uploads a file into a thread through filesUploadV2', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'evaluation done' });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
    const res = await client.filesUploadV2({
      channel_id: 'C1',
      thread_ts: parent.ts!,
      file: png,
      filename: 'pass-rate.png',
      initial_comment: 'pass rate by model',
    });
    expect(res.ok).toBe(true);
    const reply = api.thread('C1', parent.ts!)[1];
    expect(reply).toMatchObject({ text: 'pass rate by model', thread_ts: parent.ts });
    const file = reply?.files?.[0];
    expect(file).toMatchObject({ name: 'pass-rate.png', mimetype: 'image/png', size: png.length });
    expect(api.files.find((f) => f.file.id === file?.id)?.bytes).toEqual(png);
    const info = await client.files.info({ file: file!.id });
    expect(info.file?.shares?.public?.C1?.[0]).toMatchObject({ thread_ts: parent.ts });
    const download = await fetch(file!.url_private, { headers: { authorization: 'Bearer xoxb-test' } });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);
    expect(api.callsTo('files.completeUploadExternal')[0]?.args).toMatchObject({
      channel_id: 'C1',
      thread_ts: parent.ts,
      files: [{ id: file!.id, title: 'pass-rate.png' }],
    });
  });

  it('refuses to complete an upload whose bytes never arrived', async () => {
    const url = await client.files.getUploadURLExternal({ filename: 'a.csv', length: 3 });
    expect(url.upload_url?.startsWith(api.url.replace(/api\/$/, ''))).toBe(true);
    expect(
      await slackError(
        client.files.completeUploadExternal({ files: [{ id: url.file_id! }], channel_id: 'C1' }),
      ),
    ).toBe('file_not_found');
  });

  it('opens, pushes, updates modals and publishes home tabs', async () => {
    const modal = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'New problem' },
      blocks: [],
    };
    const opened = await client.views.open({ trigger_id: api.triggerId('U1'), view: modal });
    const viewId = opened.view!.id!;
    expect(api.views.find((v) => v.id === viewId)).toMatchObject({ kind: 'modal', user: 'U1' });
    const pushed = await client.views.push({ trigger_id: api.triggerId('U1'), view: modal });
    expect(pushed.view).toMatchObject({ root_view_id: viewId, previous_view_id: viewId });
    const updated = await client.views.update({
      view_id: viewId,
      hash: opened.view!.hash!,
      view: { ...modal, private_metadata: '42' },
    });
    expect(updated.view?.private_metadata).toBe('42');
    expect(
      await slackError(client.views.update({ view_id: viewId, hash: opened.view!.hash!, view: modal })),
    ).toBe('hash_conflict');
    expect(await slackError(client.views.update({ view_id: 'V404', view: modal }))).toBe('not_found');

    const trigger = api.triggerId('U1');
    await client.views.open({ trigger_id: trigger, view: modal });
    expect(await slackError(client.views.open({ trigger_id: trigger, view: modal }))).toBe(
      'exchanged_trigger_id',
    );

    await client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [{ type: 'divider' }] } });
    await client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [] } });
    expect(api.homeView('U1')?.view.blocks).toEqual([]);
    expect(api.views.filter((v) => v.kind === 'home')).toHaveLength(1);
  });

  it('records ephemeral messages and response_url posts', async () => {
    await client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' });
    expect(api.ephemerals).toMatchObject([{ channel: 'C1', user: 'U1', text: 'only you' }]);
    expect(await slackError(client.chat.postEphemeral({ channel: 'C1', user: 'U9', text: 'who?' }))).toBe(
      'user_not_in_channel',
    );
    const url = api.responseUrl('cmd-1');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'queued', response_type: 'ephemeral' }),
    });
    expect(res.status).toBe(200);
    expect(api.responses).toMatchObject([
      { id: 'cmd-1', body: { text: 'queued', response_type: 'ephemeral' } },
    ]);
  });

  it('records every call with its decoded arguments and waits on conditions', async () => {
    const pending = api.waitFor(() => api.callsTo('chat.postMessage').length === 1, 2000);
    await client.chat.postMessage({ channel: 'C1', text: 'hello', blocks: [{ type: 'divider' }] });
    await pending;
    const [call] = api.callsTo('chat.postMessage');
    expect(call).toMatchObject({
      method: 'chat.postMessage',
      args: { channel: 'C1', blocks: [{ type: 'divider' }] },
    });
    expect(call?.args).not.toHaveProperty('token');
    expect(call?.at).toBeInstanceOf(Date);
    await expect(api.waitFor(() => false, 30)).rejects.toThrow(/within 30 ms/);
  });

  it('answers missing_scope when started with scopes that do not cover a method', async () => {
    const narrow = await startSlackApi({ botToken: 'xoxb-narrow', scopes: ['chat:write'] });
    try {
      narrow.addChannel({ id: 'C1', name: 'x' });
      const c = new WebClient('xoxb-narrow', { slackApiUrl: narrow.url, retryConfig });
      await c.chat.postMessage({ channel: 'C1', text: 'ok' });
      expect(await slackError(c.users.info({ user: BOT_USER_ID }))).toBe('missing_scope');
    } finally {
      await narrow.close();
    }
  });
});
