import pino from 'pino';
import { BAD_SETTING_EXIT_CODE, type Config, ConfigError, loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { CanaryClient } from './client.ts';
import { createDirectClient } from './direct-client.ts';
import { CliFailure } from './failure.ts';
import { createHttpClient } from './http-client.ts';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliContext {
  config: Config;
  log: Logger;
  stdout: Output;
  stderr: Output;
  /** HTTP mode when CANARY_URL is set, direct database mode otherwise. */
  openClient(): Promise<CanaryClient>;
  openDatabase(): Promise<Database>;
}

export function createContext(stdout: Output, stderr: Output): CliContext {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliFailure(err.message, BAD_SETTING_EXIT_CODE);
    throw err;
  }
  // Logs go to stderr so stdout stays clean for JSON and JSONL; routine info would only be noise in a terminal.
  const log = pino(
    { name: 'canary-cli', level: config.logLevel === 'info' ? 'warn' : config.logLevel },
    pino.destination(2),
  );
  const ctx: CliContext = {
    config,
    log,
    stdout,
    stderr,
    async openDatabase() {
      const database = await openDatabase({
        databaseUrl: config.database.url,
        dataDir: config.database.dataDir,
        maxConnections: 2,
      });
      try {
        await database.ping();
      } catch (err) {
        await database.close().catch(() => {});
        throw new CliFailure(
          `Direct mode: cannot reach the database at ${database.describe} (${reason(err)}).`,
        );
      }
      return database;
    },
    async openClient() {
      const { url, token } = config.client;
      if (url) {
        if (!token) {
          throw new CliFailure(
            `HTTP mode: CANARY_URL is set (${url}) but CANARY_TOKEN is not; set it to one of the server's CANARY_API_TOKENS.`,
          );
        }
        return createHttpClient({ baseUrl: url, token });
      }
      const database = await ctx.openDatabase();
      // Embedded PGlite is private to this machine: bring its schema up to date rather than make people run migrate.
      if (database.kind === 'pglite') await database.migrate();
      return createDirectClient({
        database,
        log,
        config,
        scheduler: async () => {
          const { createQueues } = await import('../queue/queues.ts');
          const { createScheduler } = await import('../queue/transport.ts');
          const queues = createQueues(config);
          return {
            scheduler: createScheduler({ db: database.db, queues, config, log }),
            close: () => queues.close(),
          };
        },
      });
    },
  };
  return ctx;
}

export function reason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return reason(err.errors[0]);
  if (err instanceof Error) return (err as { code?: string }).code ?? err.message;
  return String(err);
}
