import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_BOARD_PATH } from '../../src/http/queue-board.ts';
import { startTestCanary, type TestCanary } from '../support/canary.ts';

/** The operators' queue view over real HTTP on a running Canary: same tokens as the API, read-only. */
describe('queue view at /admin/queues', () => {
  const token = 'queue-view-token';
  let running: TestCanary;
  let base: string;

  beforeAll(async () => {
    running = await startTestCanary({
      env: { CANARY_API_TOKENS: token, SLACK_SIGNING_SECRET: 'test-signing-secret' },
    });
    base = `${running.canary.url}${QUEUE_BOARD_PATH}`;
  });

  afterAll(async () => {
    await running?.close();
  });

  const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

  it('answers 401 with a Basic challenge without a token, and with a wrong one', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: basic('wrong') },
    ] as Record<string, string>[]) {
      const res = await fetch(base, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="Canary queues"/);
      await res.body?.cancel();
    }
    const api = await fetch(`${base}/api/queues`);
    expect(api.status).toBe(401);
    await api.body?.cancel();
  });

  it('serves the board and its queue data with the API token, as bearer or Basic password', async () => {
    const page = await fetch(base, { headers: { authorization: basic(token) } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Canary queues');
    const res = await fetch(`${base}/api/queues`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['evaluations', 'notify']);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  it('refuses anything that would change a queue, even with a token', async () => {
    for (const [method, path] of [
      ['PUT', '/api/queues/pause'],
      ['PUT', '/api/queues/evaluations/clean/failed'],
      ['DELETE', '/api/queues/evaluations/empty'],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(405);
      await res.body?.cancel();
    }
    expect(await running.canary.queues.evaluations.isPaused()).toBe(false);
  });
});
