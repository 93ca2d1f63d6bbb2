import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { getRequestListener } from '@hono/node-server';
import pino from 'pino';
import postgres from 'postgres';
import { models } from '../src/db/schema.ts';
import { createApi } from '../src/http/api.ts';
import type { EvaluationScheduler } from '../src/services/ports.ts';
import { freshDatabase } from './support/env.ts';
import { cpuUnitMs, percentile, ratio, round } from './support/stats.ts';

export interface ObservationsConfig {
  total: number;
  batch: number;
  listings: number;
  dbName: string;
}

export const OBSERVATIONS_FULL: Omit<ObservationsConfig, 'dbName'> = {
  total: 100_000,
  batch: 1_000,
  listings: 200,
};
export const OBSERVATIONS_QUICK: Omit<ObservationsConfig, 'dbName'> = {
  total: 10_000,
  batch: 1_000,
  listings: 50,
};

const TOKEN = 'bench-observations-token';
const noScheduler: EvaluationScheduler = {
  evaluateModel: async () => ({ evaluationId: 0 }),
  backfillRevision: async () => ({ evaluationIds: [] }),
  backfillAdd: async () => ({ evaluationIds: [] }),
};

/** Observation i: a realistic chat turn, about 40% rated, a tenth 👎 (10,000 complaints to triage), over 30 days. */
function item(i: number, now: number) {
  const rated = i % 3 === 0 || i % 10 === 0;
  return {
    model: i % 2 === 0 ? 'support-bot@v3' : 'support-bot@v2',
    input: `Customer ${i % 997} asks: where is order ${i}? It was due on Monday and the tracking page is blank.`,
    output: `Order ${i} left the depot this morning; you will get a text with a delivery window.`,
    at: new Date(now - (i % (30 * 24 * 60)) * 60_000).toISOString(),
    user: `u-${i % 5_000}`,
    ...(rated ? { rating: i % 10 === 0 ? 'down' : 'up' } : {}),
    metadata: { channel: 'web', session: `s-${Math.floor(i / 7)}` },
    externalId: `turn-${i}`,
  };
}

/**
 * `--only observations`: posts `total` observations in batches over real HTTP to the REST API, and times
 * the listing query (the triage filter, paged by cursor). Baselines from the same minute: the same rows
 * as one bare multi-row INSERT per batch (no validation, idempotency or accounting), and a primary-key read.
 */
export async function benchObservations(cfg: ObservationsConfig) {
  const unit = cpuUnitMs();
  const database = await freshDatabase(cfg.dbName);
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  let server: Server | null = null;
  try {
    const [v2, v3] = await database.db
      .insert(models)
      .values(
        ['v2', 'v3'].map((version) => ({
          name: 'support-bot',
          version,
          adapter: 'http',
          url: 'http://127.0.0.1:9/p',
        })),
      )
      .returning({ id: models.id });
    const now = Date.now();
    const batches = Math.ceil(cfg.total / cfg.batch);
    const bodies = Array.from({ length: batches }, (_, b) =>
      Array.from({ length: Math.min(cfg.batch, cfg.total - b * cfg.batch) }, (_, k) =>
        item(b * cfg.batch + k, now),
      ),
    );

    // Baseline: the same rows straight into the table, then gone again.
    const baseStart = performance.now();
    for (const body of bodies) {
      await sql`insert into observations ${sql(
        body.map((o) => ({
          model_id: o.model.endsWith('v3') ? v3?.id : v2?.id,
          input: sql.json(o.input),
          output: sql.json(o.output),
          at: o.at,
          user_id: o.user,
          metadata: sql.json(o.metadata),
          external_id: o.externalId,
          ups: o.rating === 'up' ? 1 : 0,
          downs: o.rating === 'down' ? 1 : 0,
        })),
      )}`;
    }
    const baselineMs = performance.now() - baseStart;
    await sql`truncate observations, observation_ratings`;

    const app = createApi({
      db: database.db,
      log: pino({ level: 'silent' }),
      scheduler: noScheduler,
      now: () => new Date(),
      limits: { maxInputBytes: 32_768, endpointAllowlist: [] },
      tokens: [TOKEN],
      ping: async () => ({ postgres: true, redis: true }),
    });
    server = createServer(getRequestListener(app.fetch));
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/observations`;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

    const postLatencies: number[] = [];
    const start = performance.now();
    let created = 0;
    for (const body of bodies) {
      const t = performance.now();
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      created += ((await res.json()) as { created: number }).created;
      postLatencies.push(performance.now() - t);
    }
    const canaryMs = performance.now() - start;
    if (created !== cfg.total) throw new Error(`created ${created} of ${cfg.total}`);
    // A retried batch: all existing, nothing written twice.
    const retry = await fetch(url, { method: 'POST', headers, body: JSON.stringify(bodies[0]) });
    const retriedBody = (await retry.json()) as { created: number; existing: number };
    const retried = { created: retriedBody.created, existing: retriedBody.existing };

    await sql`analyze observations`;
    const listing: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < cfg.listings; i++) {
      const query = `?rating=down&status=untriaged&limit=50${i % 2 === 0 ? '&model=support-bot@v3' : ''}${cursor ? `&cursor=${cursor}` : ''}`;
      const t = performance.now();
      const res = await fetch(url + query, { headers });
      const page = (await res.json()) as { nextCursor: string | null };
      listing.push(performance.now() - t);
      cursor = i % 20 === 19 ? null : page.nextCursor;
    }
    const pk: number[] = [];
    for (let i = 0; i < cfg.listings; i++) {
      const t = performance.now();
      await fetch(`${url}/${1 + ((i * 7919) % cfg.total)}`, { headers });
      pk.push(performance.now() - t);
    }
    // The Slack triage listing (App Home, /problem triage): the whole 👎 queue grouped in SQL, 10 groups shown.
    const triage: number[] = [];
    let triageGroups = 0;
    for (let i = 0; i < Math.max(10, Math.floor(cfg.listings / 4)); i++) {
      const t = performance.now();
      const res = await fetch(`${url}/triage?limit=10`, { headers });
      const body = (await res.json()) as { groups: unknown[] };
      triage.push(performance.now() - t);
      triageGroups = body.groups.length;
    }
    const [queued] =
      await sql`select count(*)::int as n from observations where status = 'untriaged' and downs > 0`;
    const plan = await sql.unsafe(
      `explain select * from observations where model_id = ${v3?.id} and status = 'untriaged' and downs > 0 order by at desc, id desc limit 51`,
    );
    const perSec = round((cfg.total / canaryMs) * 1000, 0);
    const baselinePerSec = round((cfg.total / baselineMs) * 1000, 0);
    return {
      shape: { total: cfg.total, batch: cfg.batch },
      cpuUnitMs: unit,
      canary: { ms: round(canaryMs), perSec, postP95Ms: percentile(postLatencies, 0.95) },
      baselineBareInsert: { ms: round(baselineMs), perSec: baselinePerSec },
      ratioToBareInsert: ratio(perSec, baselinePerSec),
      retriedBatch: retried,
      listing: {
        p50Ms: percentile(listing, 0.5),
        p95Ms: percentile(listing, 0.95),
        n: listing.length,
        baselineGetByIdP95Ms: percentile(pk, 0.95),
        p95RatioToGetById: ratio(percentile(listing, 0.95), percentile(pk, 0.95)),
        plan: plan.map((r) => String(Object.values(r)[0])),
      },
      triageQueue: {
        untriagedComplaints: Number(queued?.n ?? 0),
        groupsShown: triageGroups,
        p50Ms: percentile(triage, 0.5),
        p95Ms: percentile(triage, 0.95),
        n: triage.length,
        p95RatioToGetById: ratio(percentile(triage, 0.95), percentile(pk, 0.95)),
      },
    };
  } finally {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await sql.end();
    await database.drop();
  }
}
