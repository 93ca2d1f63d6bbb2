import { noPositionals, parse } from '../args.ts';
import type { CliContext } from '../context.ts';
import { CliFailure, usageError } from '../failure.ts';

const DIGEST_USAGE = `Usage: canary digest --now [--json]

Posts the digest to CANARY_DIGEST_CHANNEL now instead of waiting for CANARY_DIGEST_CRON.
Runs against the database directly (DATABASE_URL or CANARY_DATA_DIR) and posts with SLACK_BOT_TOKEN.`;

export async function digestCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { now: { type: 'boolean' }, json: { type: 'boolean' } },
    DIGEST_USAGE,
  );
  noPositionals(positionals, DIGEST_USAGE);
  if (!values.now) usageError('Only `canary digest --now` is supported.', DIGEST_USAGE);
  const { config } = ctx;
  // The REST API has no digest route: a CANARY_URL alone would silently open an empty local database instead.
  if (config.client.url && !config.database.url) {
    throw new CliFailure(
      'canary digest --now works against the database, not the REST API: set DATABASE_URL (and SLACK_BOT_TOKEN) where you run it.',
    );
  }
  const channel = config.digest.channel;
  if (!channel)
    throw new CliFailure(
      'No digest channel: set CANARY_DIGEST_CHANNEL to the channel id the digest goes to.',
    );
  // Slack and chart rendering load only for this command, keeping every other command's start-up quick.
  const [{ slackPoster, postDigestNow }, { createChartRenderer }] = await Promise.all([
    import('../../compose.ts'),
    import('../../charts/index.ts'),
  ]);
  const slack = slackPoster(config, ctx.log);
  if (!slack) throw new CliFailure('Slack is not configured: set SLACK_BOT_TOKEN to post the digest.');

  const database = await ctx.openDatabase();
  try {
    const result = await postDigestNow({
      deps: {
        db: database.db,
        log: ctx.log,
        now: () => new Date(),
        charts: createChartRenderer(config.charts),
      },
      slack,
      channel,
    });
    if (values.json)
      ctx.stdout.write(`${JSON.stringify(result.posted ? { ...result, digest: undefined } : result)}\n`);
    else if (result.posted) ctx.stdout.write(`Digest posted to ${result.channel} (ts ${result.ts}).\n`);
    else {
      const why =
        result.reason === 'already_posted'
          ? 'it was already posted for this tick'
          : 'another process is posting it';
      ctx.stdout.write(`Digest not posted: ${why}.\n`);
    }
    return 0;
  } finally {
    await database.close();
  }
}
