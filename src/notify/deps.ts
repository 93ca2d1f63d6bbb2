import type { ChartRenderer } from '../charts/index.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { BrokenSignoff } from '../services/signoffs.ts';
import type { SlackOut } from '../slack/web-api/ledger.ts';

export interface NotifyDeps {
  db: Db;
  log: Logger;
  now: () => Date;
  /** Null when Slack is not configured: outcomes are still recorded, nothing is posted. */
  slack: SlackOut | null;
  charts: ChartRenderer;
  /** Where run summaries go when neither the evaluation nor the model names a channel. */
  modelsChannel?: string | undefined;
  /** Where the daily digest goes; without one, digest ticks are recorded and skipped. */
  digestChannel?: string | undefined;
  /** services/signoffs.ts checkSignoffs bound to the service deps: marks and returns sign-offs this model broke. */
  checkSignoffs?: ((modelId: number) => Promise<BrokenSignoff[]>) | undefined;
}

/** NotifyDeps with Slack present: what the posting paths need. */
export type PostingDeps = NotifyDeps & { slack: SlackOut };
