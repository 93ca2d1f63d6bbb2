import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { flags, models, patternRevisions, patterns, problems } from '../../src/db/schema.ts';
import { createApi } from '../../src/http/api.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';
import { recordingScheduler } from '../http/fixtures.ts';
import { listen } from '../http/server.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type SlackApi, startSlackApi } from '../support/slack-api/index.ts';
import { type SlackAppServer, serveSlackApp } from '../support/slack-app.ts';

export const TOKEN = `sec-token-${randomBytes(12).toString('hex')}`;
export const CHANNEL = 'C0SECURITY';
export const ADMIN = 'U0ADMIN';
export const USER = 'U0MALLORY';
export const MAX_INPUT_BYTES = 2048;

/**
 * The REST API and the Bolt app over one database and one captured logger, so a test can look at every
 * row, response, recorded Slack call and log line a request produced.
 */
export interface Stack
  extends Pick<
    SlackAppServer,
    'slack' | 'secret' | 'handled' | 'received' | 'command' | 'interaction' | 'submitView'
  > {
  db: TestDatabase;
  deps: ServiceDeps;
  api: { url: string; close: () => Promise<void> };
  slackApi: SlackApi;
  slackUrl: string;
  /** Every log line written so far, as raw JSON text. */
  logs(): string;
  /** Log lines at error level or above, parsed. */
  errorLogs(): { msg?: string; level: number }[];
  call(method: string, path: string, body?: string | null, token?: string | null): Promise<ApiAnswer>;
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
  /** CANARY_ENDPOINT_SECRETS: the variables headersFromEnv may name (none by default, as in production). */
  endpointSecrets?: string[];
  /** SLACK_TEAM_IDS / SLACK_APP_ID (unset: any workspace or app). */
  teamIds?: string[];
  appId?: string;
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
    limits: {
      maxInputBytes: MAX_INPUT_BYTES,
      endpointAllowlist: opts.allowlist ?? [],
      endpointSecretNames: opts.endpointSecrets ?? [],
    },
  };
  const api = await listen(
    createApi({ ...deps, tokens: [TOKEN], ping: async () => ({ postgres: true, redis: true }) }),
  );

  const served = await serveSlackApp({
    api: slackApi,
    deps,
    log,
    channel: { id: CHANNEL, name: 'ml-problems' },
    signers: [ADMIN],
    admins: [ADMIN],
    ratePerSecond: 1000,
    flagEmoji: 'triangular_flag_on_post',
    ...(opts.teamIds ? { teamIds: opts.teamIds } : {}),
    ...(opts.appId ? { appId: opts.appId } : {}),
  });

  return {
    db,
    deps,
    api,
    slackApi,
    slack: served.slack,
    slackUrl: served.url,
    secret: served.secret,
    handled: served.handled,
    received: served.received,
    command: served.command,
    interaction: served.interaction,
    submitView: served.submitView,
    logs: () => lines.join(''),
    errorLogs: () =>
      lines
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { msg?: string; level: number })
        .filter((l) => l.level >= 50),
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
      await served.close();
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
