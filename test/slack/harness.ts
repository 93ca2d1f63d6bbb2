import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import type { Config } from '../../src/config.ts';
import { insertModel } from '../../src/db/queries/models.ts';
import { patternRevisions, results } from '../../src/db/schema.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import type { EvaluationScheduler } from '../../src/services/ports.ts';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../src/slack/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { APP_ID, type SlackApi, startSlackApi, TEAM_DOMAIN, TEAM_ID } from '../support/slack-api/index.ts';
import {
  type EventOptions,
  newTriggerId,
  type SignOptions,
  sendCommand,
  sendEvent,
  sendInteraction,
} from '../support/slack-requests.ts';

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
  };
}

export interface Harness {
  api: SlackApi;
  db: TestDatabase;
  deps: ServiceDeps;
  scheduler: RecordingScheduler;
  slack: SlackApp;
  url: string;
  secret: string;
  /** Requests whose listeners have all finished (duplicates dropped before the listeners are not counted). */
  handled(): number;
  command(user: string, command: string, text: string, opts?: SignOptions): ReturnType<typeof sendCommand>;
  interaction(payload: Record<string, unknown>, opts?: SignOptions): ReturnType<typeof sendInteraction>;
  event(event: Record<string, unknown>, opts?: EventOptions): ReturnType<typeof sendEvent>;
  /** Submits a modal the app opened, with the given input values. */
  submitView(
    viewId: string,
    user: string,
    values: Record<string, Record<string, unknown>>,
  ): ReturnType<typeof sendInteraction>;
  /** Presses a button in a channel message posted by the app. */
  pressButton(input: {
    user: string;
    channel: string;
    messageTs: string;
    actionId: string;
    value: string;
    state?: Record<string, Record<string, unknown>>;
  }): ReturnType<typeof sendInteraction>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  admins?: string[];
  signers?: string[];
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const api = await startSlackApi();
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
  const secret = `secret-${randomBytes(8).toString('hex')}`;
  const config: Pick<Config, 'slack'> = {
    slack: {
      botToken: api.botToken,
      signingSecret: secret,
      appToken: undefined,
      apiUrl: api.url,
      flagEmoji: FLAG,
      signers: opts.signers ?? [SIGNER],
      admins: opts.admins ?? [ADMIN],
      modelsChannel: undefined,
      ratePerSecond: 100,
    },
  };
  const slack = createSlackApp({ config, deps, log });
  // Bolt's global middleware resumes after the listeners finish, so this counts requests fully handled.
  let handled = 0;
  slack.app.use(async ({ next }) => {
    try {
      await next();
    } finally {
      handled += 1;
    }
  });
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === SLACK_EVENTS_PATH) return slack.requestListener(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`;

  const user = (id: string) => ({ id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: TEAM_ID });
  const team = { id: TEAM_ID, domain: TEAM_DOMAIN };

  return {
    api,
    db,
    deps,
    scheduler,
    slack,
    url,
    secret,
    handled: () => handled,
    command: (userId, command, text, signOpts) =>
      sendCommand(
        url,
        secret,
        {
          command,
          text,
          user_id: userId,
          channel_id: CHANNEL,
          response_url: api.responseUrl(),
          trigger_id: api.triggerId(userId),
        },
        signOpts,
      ),
    interaction: (payload, signOpts) => sendInteraction(url, secret, payload, signOpts),
    event: (event, eventOpts) => sendEvent(url, secret, event, eventOpts),
    submitView(viewId, userId, values) {
      const stored = api.views.find((v) => v.id === viewId);
      if (!stored) throw new Error(`no view ${viewId}`);
      return sendInteraction(url, secret, {
        type: 'view_submission',
        team,
        user: user(userId),
        api_app_id: APP_ID,
        token: 'verification-token-unused',
        trigger_id: newTriggerId(),
        is_enterprise_install: false,
        enterprise: null,
        response_urls: [],
        view: {
          ...stored.view,
          id: stored.id,
          team_id: TEAM_ID,
          state: { values },
          hash: 'h',
          root_view_id: stored.rootViewId,
          previous_view_id: null,
          app_id: APP_ID,
          bot_id: 'B0CANARY',
        },
      });
    },
    pressButton(input) {
      const message = api.allMessages(input.channel).find((m) => m.ts === input.messageTs);
      return sendInteraction(url, secret, {
        type: 'block_actions',
        team,
        user: user(input.user),
        api_app_id: APP_ID,
        token: 'verification-token-unused',
        container: {
          type: 'message',
          message_ts: input.messageTs,
          channel_id: input.channel,
          is_ephemeral: false,
        },
        trigger_id: api.triggerId(input.user),
        channel: { id: input.channel, name: 'ml-problems' },
        message,
        state: { values: input.state ?? {} },
        response_url: api.responseUrl(),
        actions: [
          {
            action_id: input.actionId,
            block_id: 'b',
            value: input.value,
            type: 'button',
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await slack.stop();
      await api.close();
      await db.drop();
    },
  };
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
