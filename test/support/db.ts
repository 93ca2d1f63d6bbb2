import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../src/db/client.ts';

/**
 * Real Postgres for integration tests. globalSetup migrates a template database once;
 * each test file clones it (CREATE DATABASE … TEMPLATE is a file copy: ~50 ms) and drops it after,
 * so files run in parallel without seeing each other's rows.
 */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Set by test/global-setup.ts for this run; inherited by the forked test workers. */
function runId(): string {
  const run = process.env.CANARY_TEST_RUN;
  if (!run)
    throw new Error(
      'CANARY_TEST_RUN is unset: run tests through vitest (test/global-setup.ts creates the template).',
    );
  return run;
}

export function urlFor(dbName: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
}

export interface TestDatabase extends Database {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const run = runId();
  const name = `canary_t_${run}_${randomBytes(5).toString('hex')}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    // Two files cloning at the same instant can see "source database is being accessed": try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.unsafe(`create database "${name}" template "canary_tpl_${run}"`);
        break;
      } catch (err) {
        if (attempt >= 10 || !String(err).includes('being accessed')) throw err;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const database = await openDatabase({ databaseUrl: url, dataDir: 'memory://', maxConnections: 5 });
  return {
    ...database,
    url,
    name,
    async drop() {
      await database.close();
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
