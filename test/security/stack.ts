import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Config } from '../../src/config.ts';
import { flags, models, patternRevisions, patterns, problems } from '../../src/db/schema.ts';
import { createApi } from '../../src/http/api.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from '../../src/slack/app.ts';
import { recordingScheduler } from '../http/fixtures.ts';
import { listen } from '../http/server.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { APP_ID, type SlackApi, startSlackApi, TEAM_ID } from '../support/slack-api/index.ts';
import { newTriggerId, type SignOptions, sendCommand, sendInteraction } from '../support/slack-requests.ts';

export const TOKEN = `sec-token-${randomBytes(12).toString('hex')}`;
export const CHANNEL = 'C0SECURITY';
export const ADMIN = 'U0ADMIN';
export const USER = 'U0MALLORY';
export const MAX_INPUT_BYTES = 2048;

/**
 * The REST API and the Bolt app over one database and one captured logger, so a test can look at every
 * row, response, recorded Slack call and log line a request produced.
 */
export interface Stack {
  db: TestDatabase;
  deps: ServiceDeps;
  api: { url: string; close: () => Promise<void> };
  slackApi: SlackApi;
  slack: SlackApp;
  slackUrl: string;
  secret: string;
  /** Every log line written so far, as raw JSON text. */
  logs(): string;
  /** Log lines at error level or above, parsed. */
  errorLogs(): { msg?: string; level: number }[];
  /** Slack requests whose listeners have all finished. */
  handled(): number;
  call(method: string, path: string, body?: string | null, token?: string | null): Promise<ApiAnswer>;
  command(user: string, command: string, text: string, opts?: SignOptions): ReturnType<typeof sendCommand>;
  interaction(payload: Record<string, unknown>, opts?: SignOptions): ReturnType<typeof sendInteraction>;
  submitView(
    viewId: string,
    user: string,
    values: Record<string, Record<string, unknown>>,
  ): ReturnType<typeof sendInteraction>;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export interface ApiAnswer {
  status: number;
  text: string;
  json: unknown;
}

export interface StackOptions {
  allowlist?: string[];
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const slackApi = await startSlackApi();
  slackApi.addChannel({ id: CHANNEL, name: 'ml-problems', members: [ADMIN, USER] });
  for (const id of [ADMIN, USER]) slackApi.addUser({ id });

  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = pino({ level: 'trace' }, sink);
  const deps: ServiceDeps = {
    db: db.db,
    log,
    scheduler: recordingScheduler(db.db),
    now: () => new Date(),
    limits: { maxInputBytes: MAX_INPUT_BYTES, endpointAllowlist: opts.allowlist ?? [] },
  };
  const api = await listen(
    createApi({ ...deps, tokens: [TOKEN], ping: async () => ({ postgres: true, redis: true }) }),
  );

  const secret = `signing-${randomBytes(8).toString('hex')}`;
  const config: Pick<Config, 'slack'> = {
    slack: {
      botToken: slackApi.botToken,
      signingSecret: secret,
      appToken: undefined,
      apiUrl: slackApi.url,
      flagEmoji: 'triangular_flag_on_post',
      signers: [ADMIN],
      admins: [ADMIN],
      modelsChannel: undefined,
      ratePerSecond: 1000,
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
  const server: Server = createServer((req, res) => slack.requestListener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const slackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`;

  return {
    db,
    deps,
    api,
    slackApi,
    slack,
    slackUrl,
    secret,
    logs: () => lines.join(''),
    errorLogs: () =>
      lines
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { msg?: string; level: number })
        .filter((l) => l.level >= 50),
    handled: () => handled,
    async call(method, path, body = null, token = TOKEN) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${api.url}${path}`, { method, headers, body });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json };
    },
    command: (user, command, text, signOpts) =>
      sendCommand(
        slackUrl,
        secret,
        {
          command,
          text,
          user_id: user,
          channel_id: CHANNEL,
          response_url: slackApi.responseUrl(),
          trigger_id: slackApi.triggerId(user),
        },
        signOpts,
      ),
    interaction: (payload, signOpts) => sendInteraction(slackUrl, secret, payload, signOpts),
    submitView(viewId, user, values) {
      const stored = slackApi.views.find((v) => v.id === viewId);
      if (!stored) throw new Error(`no view ${viewId}`);
      return sendInteraction(slackUrl, secret, {
        type: 'view_submission',
        team: { id: TEAM_ID, domain: 'canary' },
        user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: TEAM_ID },
        api_app_id: APP_ID,
        token: 'verification-token-unused',
        trigger_id: newTriggerId(),
        is_enterprise_install: false,
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
    async counts() {
      const table = async (
        t: typeof problems | typeof patterns | typeof patternRevisions | typeof models | typeof flags,
      ) => (await db.db.select().from(t)).length;
      return {
        problems: await table(problems),
        patterns: await table(patterns),
        revisions: await table(patternRevisions),
        models: await table(models),
        flags: await table(flags),
      };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await slack.stop();
      await api.close();
      await slackApi.close();
      await db.drop();
    },
  };
}

/** Every string inside a value (keys excluded), depth first. */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

/** Everything the app sent towards Slack: Web API calls, response_url posts and ephemerals. */
export function everythingSentToSlack(api: SlackApi): unknown[] {
  return [...api.calls.map((c) => c.args), ...api.responses.map((r) => r.body), ...api.ephemerals];
}
