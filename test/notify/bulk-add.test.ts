import { WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChartRenderer } from '../../src/charts/index.ts';
import { serviceDeps } from '../../src/compose.ts';
import { evaluations, problems } from '../../src/db/schema.ts';
import { createNotifyJobs } from '../../src/notify/processor.ts';
import { type RunningWorkers, startWorkers } from '../../src/queue/workers.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { addPatterns } from '../../src/services/patterns.ts';
import { createSlackPoster } from '../../src/slack/web-api/post.ts';
import { createHarness, type Harness, seedModel, waitFor } from '../queue/harness.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';

/**
 * The whole path of a bulk add, with real Postgres, Redis, BullMQ workers, model server and the Slack double:
 * however many patterns an add holds, a problem thread gets at most one message for it, and none without a model.
 */
const HOME = 'C0BULKHOME';
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let h: Harness;
let api: SlackApi;
let workers: RunningWorkers;
let deps: ServiceDeps;
let n = 0;
let client: WebClient;
const USER = 'U0ADA12345';

beforeAll(async () => {
  api = await startSlackApi();
  api.addChannel({ id: HOME, name: 'ml-problems' });
  h = await createHarness({ workers: false, env: { CANARY_JOB_CHUNK_SIZE: '100' } });
  client = new WebClient(api.botToken, { slackApiUrl: api.url, retryConfig: { retries: 0 } });
  const notify = createNotifyJobs({
    db: h.db,
    log,
    now: () => new Date(),
    slack: createSlackPoster(client, { ratePerSecond: 200 }),
    charts: createChartRenderer({ renderer: 'quickchart', quickchartUrl: 'http://quickchart.invalid' }),
  });
  workers = await startWorkers({
    config: h.config,
    db: h.db,
    log,
    secrets: {},
    queues: h.queues,
    notify,
  });
  deps = serviceDeps(h.config, { db: h.db, log, scheduler: h.scheduler });
}, 60_000);

afterAll(async () => {
  await workers?.close();
  await h?.close();
  await api?.close();
});

async function homeProblems(count: number) {
  const made: { id: number; key: string; ts: string }[] = [];
  for (let i = 0; i < count; i++) {
    // The card is the bot's own message, so it can be edited in place.
    const ts = String((await client.chat.postMessage({ channel: HOME, text: `card ${n}` })).ts);
    const [row] = await h.db
      .insert(problems)
      .values({ title: `Bulk problem ${n++}`, homeChannel: HOME, homeTs: ts })
      .returning();
    made.push({ id: row!.id, key: row!.key, ts });
  }
  return made;
}

/** `size` patterns spread over the problems (one problem when there is one pattern). */
function drafts(size: number, over: readonly { key: string }[]) {
  return Array.from({ length: size }, (_, i) => ({
    problem: (over[i % over.length] as { key: string }).key,
    input: { text: `not ${i % 3 === 0 ? 'good' : 'bad'} at all #${n}-${i}` },
    expectation: { label: 'negative' },
    polarity: 'positive' as const,
    source: 'import' as const,
    notes: '',
  }));
}

const replies = (ts: string) => api.thread(HOME, ts).slice(1);
const cardUpdates = (ts: string) =>
  api.callsTo('chat.update').filter((c) => c.args.ts === ts && c.outcome === 'ok').length;

describe('bulk adds in Slack', () => {
  describe.each([1, 48, 1_000])('%i patterns', (size) => {
    it('with no model: the cards count them, and no thread gets a message', async () => {
      const touched = await homeProblems(size === 1 ? 1 : 2);
      const res = await addPatterns(deps, drafts(size, touched), { creatorId: USER });
      expect(res.created).toHaveLength(size);
      for (const p of touched) await waitFor(async () => cardUpdates(p.ts) >= 1, { what: 'card refresh' });
      for (const p of touched) expect(replies(p.ts)).toEqual([]);
      const rows = await h.db
        .select()
        .from(evaluations)
        .where(eq(evaluations.patternAddId, res.addId as number));
      expect(rows).toEqual([]);
    }, 120_000);
  });

  describe.each([1, 48, 1_000])('%i patterns, two models', (size) => {
    it('one back-fill evaluation per model, one message per problem thread edited to the final rates', async () => {
      // Registered once, after the no-model cases; seeded rows start no evaluation of their own.
      await ensureModels();
      const touched = await homeProblems(size === 1 ? 1 : 2);
      const res = await addPatterns(deps, drafts(size, touched), { creatorId: USER });
      const rows = await h.db
        .select()
        .from(evaluations)
        .where(eq(evaluations.patternAddId, res.addId as number));
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => r.total).sort()).toEqual([size, size]);
      for (const p of touched) {
        await waitFor(
          async () => replies(p.ts).some((m) => String(m.text).includes('back-filled on 2 models')),
          { what: `final bulk-add message in ${p.key}`, timeoutMs: 90_000 },
        );
        const thread = replies(p.ts);
        expect(thread).toHaveLength(1);
        expect(String(thread[0]?.text)).toMatch(
          new RegExp(
            `^${size === 1 ? 1 : size / 2} patterns? added by <@${USER}> to ${p.key}; back-filled on 2 models: `,
          ),
        );
      }
    }, 180_000);
  });
});

let modelsReady = false;
async function ensureModels() {
  if (modelsReady) return;
  await seedModel(h.db, h.server, { name: 'bulk-a' });
  await seedModel(h.db, h.server, { name: 'bulk-b' });
  modelsReady = true;
}
