import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Config } from '../../src/config.ts';
import { insertModel } from '../../src/db/queries/models.ts';
import { patternRevisions, results } from '../../src/db/schema.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import type { EvaluationScheduler } from '../../src/services/ports.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';
import { type SlackAppServer, serveSlackApp } from '../support/slack-app.ts';

export const CHANNEL = 'C0PROBLEMS';
export const ADMIN = 'U0ADMIN';
export const SIGNER = 'U0SIGNER';
export const USER = 'U0ALICE';
export const OTHER = 'U0BOB';
export const FLAG = 'triangular_flag_on_post';

export interface RecordingScheduler extends EvaluationScheduler {
  backfills: { patternRevisionId: number; requestedBy?: string | null }[];
  evaluations: { modelId: number; trigger: string }[];
}

/** Stands in for the BullMQ producer: the Slack side only needs to know that work was asked for. */
export function recordingScheduler(): RecordingScheduler {
  const backfills: RecordingScheduler['backfills'] = [];
  const evaluations: RecordingScheduler['evaluations'] = [];
  let next = 1;
  return {
    backfills,
    evaluations,
    async evaluateModel(input) {
      evaluations.push({ modelId: input.modelId, trigger: input.trigger });
      return { evaluationId: next++ };
    },
    async backfillRevision(input) {
      backfills.push({ patternRevisionId: input.patternRevisionId, requestedBy: input.requestedBy ?? null });
      return { evaluationIds: [] };
    },
    async backfillAdd() {
      return { evaluationIds: [] };
    },
  };
}

export interface Harness extends SlackAppServer {
  api: SlackApi;
  db: TestDatabase;
  deps: ServiceDeps;
  scheduler: RecordingScheduler;
}

export interface HarnessOptions {
  admins?: string[];
  signers?: string[];
  observations?: Config['observations'];
  /** Bot scopes the Slack double enforces (default: none checked). */
  scopes?: string[];
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const api = await startSlackApi(opts.scopes ? { scopes: opts.scopes } : {});
  const db = await createTestDatabase();
  api.addChannel({ id: CHANNEL, name: 'ml-problems', members: [ADMIN, SIGNER, USER, OTHER] });
  for (const id of [ADMIN, SIGNER, USER, OTHER]) api.addUser({ id });
  const scheduler = recordingScheduler();
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const deps: ServiceDeps = {
    db: db.db,
    log,
    scheduler,
    now: () => new Date(),
    limits: { maxInputBytes: 32_768, endpointAllowlist: [] },
  };
  const served = await serveSlackApp({
    api,
    deps,
    log,
    channel: { id: CHANNEL, name: 'ml-problems' },
    signers: opts.signers ?? [SIGNER],
    admins: opts.admins ?? [ADMIN],
    ratePerSecond: 100,
    flagEmoji: FLAG,
    ...(opts.observations ? { observations: opts.observations } : {}),
  });
  return {
    ...served,
    api,
    db,
    deps,
    scheduler,
    async close() {
      await served.close();
      await api.close();
      await db.drop();
    },
  };
}

/**
 * One harness for a whole test file: started before its first test, closed after its last, with the double's
 * record cleared before each test. Filled in place once started, so the file can hold it in a const.
 */
export function harnessPerFile(opts: HarnessOptions = {}): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await startHarness(opts));
  });
  afterAll(async () => {
    await (h as Partial<Harness>).close?.();
  });
  beforeEach(() => {
    h.api.reset();
  });
  return h;
}

/** An evaluated model: a registered model row plus a passed/failed result on every current revision given. */
export async function seedResults(
  deps: ServiceDeps,
  input: {
    name: string;
    version: string;
    outcomes: { patternId: number; problemId: number; passed: boolean }[];
  },
): Promise<number> {
  const model = await insertModel(deps.db, {
    name: input.name,
    version: input.version,
    endpoint: { adapter: 'http', url: 'http://models.example/predict', options: {} },
    metrics: {},
    repeats: 1,
    registeredBy: null,
    slackChannel: null,
    slackTs: null,
  });
  if (!model) throw new Error('model insert failed');
  for (const o of input.outcomes) {
    const [rev] = await deps.db
      .select()
      .from(patternRevisions)
      .where(eq(patternRevisions.patternId, o.patternId));
    if (!rev) throw new Error(`no revision for pattern ${o.patternId}`);
    await deps.db.insert(results).values({
      modelId: model.id,
      patternRevisionId: rev.id,
      patternId: o.patternId,
      problemId: o.problemId,
      status: o.passed ? 'passed' : 'failed',
    });
  }
  return model.id;
}

/** state.values the way Slack sends them for our input blocks (action_id is always "value"). */
export const text = (value: string) => ({ value: { type: 'plain_text_input', value } });
export const choice = (value: string) => ({
  value: { type: 'static_select', selected_option: { value, text: { type: 'plain_text', text: value } } },
});
export const radio = (value: string) => ({
  value: { type: 'radio_buttons', selected_option: { value, text: { type: 'plain_text', text: value } } },
});
