import postgres from 'postgres';
import { openDatabase } from '../src/db/client.ts';
import { ADMIN_URL, TEMPLATE_DB, urlFor } from './support/db.ts';

/** Builds the migrated template every integration test file clones. */
export default async function setup(): Promise<void> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const stale = await admin<
      { datname: string }[]
    >`select datname from pg_database where datname like 'canary_t_%'`;
    for (const { datname } of stale) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    await admin.unsafe(`drop database if exists "${TEMPLATE_DB}" with (force)`);
    await admin.unsafe(`create database "${TEMPLATE_DB}"`);
  } finally {
    await admin.end();
  }
  const db = openDatabase({ databaseUrl: urlFor(TEMPLATE_DB), dataDir: 'memory://', maxConnections: 1 });
  await db.migrate();
  await db.close();
}
