import { z } from 'zod';

/**
 * The only reader of the environment. Everything Canary can be told from outside is here,
 * parsed once; a wrong value stops start-up with one sentence naming the variable.
 */

const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

const bool = (def: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
    .default(def ? '1' : '0')
    .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const url = z.string().url();

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const emojiList = /^[a-z0-9_+'-]+(\s*,\s*[a-z0-9_+'-]+)*$/;
/** A Slack bot or user id, then the model its messages come from. */
const ratedBot = /^[BUW][A-Z0-9]+=[^=@\s]+@[^=@\s]+$/;
/** A workspace (T…) or an Enterprise Grid organisation (E…). */
const teamOrOrg = /^[TE][A-Z0-9]{2,}$/;

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(3000, 0, 65535),

  DATABASE_URL: url.optional(),
  CANARY_DATA_DIR: z.string().min(1).default('./.canary'),
  REDIS_URL: url.optional(),
  CANARY_QUEUE_PREFIX: z.string().min(1).default('{canary}'),

  CANARY_WORKERS: bool(true),
  CANARY_WORKER_CONCURRENCY: int(4, 1, 256),
  CANARY_JOB_CHUNK_SIZE: int(100, 1, 10_000),
  CANARY_BATCH_SIZE: int(32, 1, 10_000),
  // Below a second the stalled check itself becomes Redis load, and lock renewals have no slack.
  CANARY_STALLED_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1_000, 'must be at least 1000 (ms): shorter intervals make live workers lose their job locks')
    .max(3_600_000)
    .default(30_000),
  CANARY_BATCH_ATTEMPTS: int(8, 1, 30),
  CANARY_WATCHDOG_AFTER_MS: int(600_000, 1_000, 86_400_000),
  CANARY_API_TOKENS: list,
  CANARY_ADMIN_TOKENS: list,
  CANARY_ENDPOINT_ALLOWLIST: list,
  CANARY_ENDPOINT_SECRETS: list,
  CANARY_MAX_INPUT_BYTES: int(32_768, 16, 10_000_000),
  CANARY_MAX_RESPONSE_BYTES: int(1_048_576, 1_024, 100_000_000),

  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'must start with xoxb-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must start with xapp-').optional(),
  SLACK_API_URL: url.optional(),
  SLACK_TEAM_IDS: list.pipe(
    z.array(z.string().regex(teamOrOrg, 'entries must be workspace (T…) or Enterprise Grid org (E…) ids')),
  ),
  SLACK_APP_ID: z
    .string()
    .regex(/^A[A-Z0-9]{2,}$/, 'must be an app id (A…)')
    .optional(),
  CANARY_FLAG_EMOJI: z
    .string()
    .regex(/^[a-z0-9_+'-]+$/, 'must be an emoji name without colons')
    .default('triangular_flag_on_post'),
  CANARY_SIGNERS: list,
  CANARY_ADMINS: list,
  CANARY_MODELS_CHANNEL: z.string().optional(),
  CANARY_SLACK_RATE_PER_SEC: z.coerce.number().positive().default(1),

  CANARY_OBSERVATION_RETENTION_DAYS: int(90, 0, 36_500),
  CANARY_RATING_UP_EMOJIS: z
    .string()
    .regex(emojiList, 'must be emoji names without colons, comma-separated')
    .default('+1,thumbsup'),
  CANARY_RATING_DOWN_EMOJIS: z
    .string()
    .regex(emojiList, 'must be emoji names without colons, comma-separated')
    .default('-1,thumbsdown'),
  CANARY_RATED_BOTS: list.pipe(
    z.array(z.string().regex(ratedBot, 'entries must look like B123=name@version')),
  ),

  CANARY_CHART_RENDERER: z.enum(['local', 'quickchart']).default('local'),
  QUICKCHART_URL: url.optional(),

  CANARY_DIGEST_CRON: z.string().default('0 9 * * 1-5'),
  CANARY_DIGEST_TZ: z.string().default('UTC'),
  CANARY_DIGEST_CHANNEL: z.string().optional(),

  CANARY_URL: url.optional(),
  CANARY_TOKEN: z.string().optional(),
  CANARY_PUBLIC_URL: url.optional(),
  CANARY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  CANARY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  CANARY_DEMO_CHANNEL: z.string().optional(),
  CANARY_DEMO_OUT: z.string().min(1).default('./canary-demo'),
});

/** The settings every layer is handed, grouped by concern; its type is what this schema outputs. */
const configSchema = schema
  .superRefine((e, ctx) => {
    if (e.CANARY_CHART_RENDERER === 'quickchart' && !e.QUICKCHART_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUICKCHART_URL'],
        message: 'is required when CANARY_CHART_RENDERER=quickchart',
      });
    }
    if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: '(HTTP mode) or SLACK_APP_TOKEN (Socket Mode) is required with SLACK_BOT_TOKEN',
      });
    }
  })
  .transform((e) => ({
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HOST, port: e.PORT, publicUrl: e.CANARY_PUBLIC_URL },
    database: { url: e.DATABASE_URL, dataDir: e.CANARY_DATA_DIR },
    /** `explicit`: REDIS_URL was set (the demo starts a private redis-server otherwise). */
    redis: {
      url: e.REDIS_URL ?? DEFAULT_REDIS_URL,
      prefix: e.CANARY_QUEUE_PREFIX,
      explicit: e.REDIS_URL !== undefined,
    },
    workers: {
      inProcess: e.CANARY_WORKERS,
      /** Batch jobs one worker process runs at once (each batch is further limited per model by the adapter). */
      concurrency: e.CANARY_WORKER_CONCURRENCY,
      /** Pattern revisions per batch job. */
      chunkSize: e.CANARY_JOB_CHUNK_SIZE,
      /** Default adapter batch size where the protocol can batch. */
      batchSize: e.CANARY_BATCH_SIZE,
      /** How soon a dead worker's job is noticed and handed to another (BullMQ lock + stalled check). */
      stalledIntervalMs: e.CANARY_STALLED_INTERVAL_MS,
      /** Tries per batch job, 1 s doubling between them: 8 rides out about two minutes of outage. */
      batchAttempts: e.CANARY_BATCH_ATTEMPTS,
      watchdogAfterMs: e.CANARY_WATCHDOG_AFTER_MS,
    },
    api: { tokens: e.CANARY_API_TOKENS, adminTokens: e.CANARY_ADMIN_TOKENS },
    endpoints: {
      allowlist: e.CANARY_ENDPOINT_ALLOWLIST,
      maxInputBytes: e.CANARY_MAX_INPUT_BYTES,
      /** Names of the environment variables a model endpoint may send as headers (headersFromEnv); values stay out of Config. */
      secretNames: e.CANARY_ENDPOINT_SECRETS,
      maxResponseBytes: e.CANARY_MAX_RESPONSE_BYTES,
      protectedHosts: hostsOf([e.DATABASE_URL, e.REDIS_URL]),
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      /** Requests for another workspace/org or app are refused; empty / unset: any (see README). */
      teamIds: e.SLACK_TEAM_IDS,
      appId: e.SLACK_APP_ID,
      flagEmoji: e.CANARY_FLAG_EMOJI,
      signers: e.CANARY_SIGNERS,
      admins: e.CANARY_ADMINS,
      modelsChannel: e.CANARY_MODELS_CHANNEL,
      ratePerSecond: e.CANARY_SLACK_RATE_PER_SEC,
    },
    charts: { renderer: e.CANARY_CHART_RENDERER, quickchartUrl: e.QUICKCHART_URL },
    observations: {
      retentionDays: e.CANARY_OBSERVATION_RETENTION_DAYS,
      upEmojis: splitList(e.CANARY_RATING_UP_EMOJIS),
      downEmojis: splitList(e.CANARY_RATING_DOWN_EMOJIS),
      ratedBots: Object.fromEntries(e.CANARY_RATED_BOTS.map((entry) => entry.split('=') as [string, string])),
    },
    digest: { cron: e.CANARY_DIGEST_CRON, tz: e.CANARY_DIGEST_TZ, channel: e.CANARY_DIGEST_CHANNEL },
    client: { url: e.CANARY_URL, token: e.CANARY_TOKEN },
    demo: { channel: e.CANARY_DEMO_CHANNEL, outDir: e.CANARY_DEMO_OUT },
    /** Worker-only processes serve /metrics on this port when set (the web process serves it on PORT). */
    metrics: { port: e.CANARY_METRICS_PORT, token: e.CANARY_METRICS_TOKEN },
  }));

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  readonly code = 'config_invalid';
}

/** The exit code of a process stopped by a bad setting: 2, as for a usage error (the CLI's too). */
export const BAD_SETTING_EXIT_CODE = 2;

/**
 * How every entry point (start, worker, demo, model server) stops on a bad setting: the one sentence on
 * stderr, no stack trace, exit code 2. The CLI, which returns its exit code instead of exiting, uses the
 * same code and prints the same sentence.
 */
export function stopOnBadSetting(sentence: string): never {
  process.stderr.write(`${sentence}\n`);
  process.exit(BAD_SETTING_EXIT_CODE);
}

/** loadConfig for an entry point: a bad setting stops the process with stopOnBadSetting. */
export function loadConfigOrStop(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return stopOnBadSetting(err.message);
    throw err;
  }
}

/** Parse the environment. Empty strings count as unset, as in most .env tooling. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  const name = String(first?.path[0] ?? 'environment');
  const value = cleaned[name];
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(redact(name, value))})`;
  throw new ConfigError(`Invalid configuration: ${name} ${first?.message ?? 'is invalid'}${shown}.`);
}

function hostsOf(urls: (string | undefined)[]): string[] {
  const hosts = urls.flatMap((u) => {
    if (!u) return [];
    try {
      return [new URL(u).hostname];
    } catch {
      return [];
    }
  });
  return [...new Set(hosts.filter(Boolean))];
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function redact(name: string, value: string): string {
  if (/TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(name)) return '<redacted>';
  return redactUrlPassword(value);
}

/** redis://:pw@host → redis://:<redacted>@host: a config error may be pasted into a ticket or a log. */
function redactUrlPassword(value: string): string {
  // Greedy up to the last @, so a password that itself holds an @ (or a value no URL parser accepts) is
  // still covered; hiding a little too much in an error message costs nothing.
  // The query goes too: redis://h?password=…, https://chart?token=… carry credentials there.
  return value
    .replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?[^\s:/?#@]*):.*@/i, '$1:<redacted>@')
    .replace(/\?.*$/s, '?<redacted>');
}

/**
 * Canary's own settings (everything in the schema, and any SLACK_* or CANARY_* name) are never an
 * endpoint secret, even when listed: a model owner must not be able to have them sent to their server.
 */
export function isCanaryVariable(name: string): boolean {
  return name in schema.shape || /^(SLACK|CANARY)_/.test(name);
}

/**
 * Model endpoints name the environment variables that hold their secrets (never the values); this is the
 * one map adapters look them up in. Only the names listed in CANARY_ENDPOINT_SECRETS (minus Canary's own
 * variables) are in it, and it is a frozen copy, so nothing downstream can write to the process environment.
 */
export function endpointSecrets(
  env: Record<string, string | undefined>,
  allowedNames: readonly string[],
): Readonly<Record<string, string | undefined>> {
  const allowed = allowedNames.filter((name) => !isCanaryVariable(name) && env[name] !== undefined);
  return Object.freeze(Object.fromEntries(allowed.map((name) => [name, env[name]])));
}

/** The endpoint secrets of this process, as listed in its Config. */
export function processEndpointSecrets(config: Config): Readonly<Record<string, string | undefined>> {
  return endpointSecrets(process.env, config.endpoints.secretNames);
}

/**
 * A copy of this process' environment for a child process it starts (benchmarks, the demo's helpers).
 * Never hand this to model adapters: they get endpointSecrets.
 */
export function childEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}
