import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.ts';
import { ADMIN_URL, urlFor } from './support/db.ts';

/**
 * Builds the migrated template every integration test file clones. Each vitest run gets its own template,
 * so runs side by side (CI, a developer, the fault suite) never drop each other's databases.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const run = randomBytes(4).toString('hex');
  const template = `canary_tpl_${run}`;
  process.env.CANARY_TEST_RUN = run;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${template}"`);
  } finally {
    await admin.end();
  }
  const db = await openDatabase({ databaseUrl: urlFor(template), dataDir: 'memory://', maxConnections: 1 });
  await db.migrate();
  await db.close();

  return async () => {
    const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      const left = await a<{ datname: string }[]>`
        select datname from pg_database where datname like ${`canary_t_${run}_%`} or datname = ${template}`;
      for (const { datname } of left) await a.unsafe(`drop database if exists "${datname}" with (force)`);
    } finally {
      await a.end();
    }
  };
}
