import { problemsOverModelsChart } from '../core/charts.ts';
import type { Digest } from '../core/digest.ts';
import type { Db } from '../db/client.ts';
import {
  claimDigestTick,
  lastPostedDigestAt,
  recordDigestPosted,
  releaseDigestTick,
} from '../db/queries/digests.ts';
import { collectDigest, type DigestDeps } from '../services/reporting/digest.ts';
import { problemsOverModels } from '../services/reporting/evaluation-results.ts';
import { digestMessage } from '../slack/blocks/digest.ts';
import type { SlackOut } from '../slack/web-api/ledger.ts';
import { prepareChart, shareChartInThread } from './charts.ts';

/**
 * The daily digest, posted once per tick however many workers hear the tick; what it says is collected by
 * collectDigest (src/services/reporting/digest.ts).
 */

const DAY_MS = 24 * 3600 * 1000;
/** A claimed tick without a ts this old was left by a worker that died mid-post: another may take it over. */
const DIGEST_CLAIM_STALE_MS = 120_000;

/** Since the last digest posted, else a day back. */
async function lastDigestAt(db: Db, now: Date): Promise<Date> {
  return (await lastPostedDigestAt(db, now)) ?? new Date(now.getTime() - DAY_MS);
}

export type PostDigestResult =
  | { posted: true; channel: string; ts: string; digest: Digest }
  | { posted: false; reason: 'already_posted' | 'in_progress' };

/**
 * Posts the digest for this tick once: the tick's row is inserted first and whoever inserts it posts. A worker
 * that fails to post gives the row back so the retried job can try again; one that died holding it is
 * overtaken once the claim is stale.
 */
export async function postDigest(input: {
  deps: DigestDeps;
  slack: SlackOut;
  channel: string;
  tick: string;
}): Promise<PostDigestResult> {
  const { deps, slack, channel, tick } = input;
  const now = deps.now();
  const since = await lastDigestAt(deps.db, now);
  const claimed = await claimDigestTick(deps.db, {
    tick,
    channel,
    now,
    staleBefore: new Date(now.getTime() - DIGEST_CLAIM_STALE_MS),
  });
  if (claimed !== 'mine') return { posted: false, reason: claimed };
  let sent: { channel: string; ts: string } | null = null;
  try {
    const digest = await collectDigest(deps, { since, now });
    const chart = digest.quiet
      ? null
      : await prepareChart(deps.charts, problemsOverModelsChart(await problemsOverModels(deps.db)));
    const message = digestMessage(digest, chart?.kind === 'url' ? chart.url : undefined);
    sent = await slack.post({ channel, ...message });
    const posted = sent;
    // Once the digest is out, nothing after it may make the job fail: a retry would post it a second time.
    await afterPosting(deps, tick, 'record the digest ts', () =>
      recordDigestPosted(deps.db, tick, posted.ts, now),
    );
    await afterPosting(deps, tick, 'share the digest chart', () =>
      shareChartInThread({ db: deps.db, slack }, `digest:${tick}:chart`, chart, {
        channel: posted.channel,
        threadTs: posted.ts,
        filename: `digest-${tick.replace(/[^A-Za-z0-9_.-]/g, '-')}.png`,
        title: 'Pass rate per problem across candidate models',
      }),
    );
    deps.log.info({ tick, channel, quiet: digest.quiet }, 'digest posted');
    return { posted: true, channel: posted.channel, ts: posted.ts, digest };
  } catch (err) {
    // Only a digest that never went out releases its tick for the retry.
    if (!sent) {
      await releaseDigestTick(deps.db, tick).catch(() => undefined);
    }
    throw err;
  }
}

async function afterPosting(
  deps: DigestDeps,
  tick: string,
  what: string,
  step: () => Promise<unknown>,
): Promise<void> {
  try {
    await step();
  } catch (err) {
    deps.log.error({ err, tick }, `digest posted, but could not ${what}`);
  }
}

/** `canary digest --now`: a tick named after the current minute, so pressing it twice in a minute posts once. */
function nowTick(now: Date): string {
  return `now-${now.toISOString().slice(0, 16)}`;
}

export async function postDigestNow(input: {
  deps: DigestDeps;
  slack: SlackOut;
  channel: string;
}): Promise<PostDigestResult> {
  return postDigest({ ...input, tick: nowTick(input.deps.now()) });
}
