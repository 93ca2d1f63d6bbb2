import { noPositionals, parse } from '../args.ts';
import type { CliContext } from '../context.ts';

const MIGRATE_USAGE = `Usage: canary migrate

Applies database migrations to DATABASE_URL (or the embedded PGlite database in CANARY_DATA_DIR).`;

export async function migrateCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, MIGRATE_USAGE);
  noPositionals(positionals, MIGRATE_USAGE);
  const database = await ctx.openDatabase();
  try {
    await database.migrate();
    ctx.stdout.write(`Migrated ${database.describe}.\n`);
  } finally {
    await database.close();
  }
  return 0;
}
