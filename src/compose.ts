import { createChartRenderer } from './charts/index.ts';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { Logger } from './logger.ts';
import { createNotifyJobs } from './notify/index.ts';

export { postDigestNow } from './notify/index.ts';

import type { CanaryMetrics } from './observability/metrics.ts';
import type { NotifyJobs } from './queue/handlers.ts';
import type { ServiceDeps } from './services/deps.ts';
import type { EvaluationScheduler } from './services/ports.ts';
import { checkSignoffs } from './services/signoffs.ts';
import { createSlackClient } from './slack/web-api/client.ts';
import { createSlackPoster, type SlackPoster } from './slack/web-api/post.ts';

/**
 * Wiring shared by every entry point (web, worker, CLI, demo), so a web process and a worker-only process
 * build the same parts from the same Config.
 */
export function serviceDeps(
  config: Config,
  parts: { db: Db; log: Logger; scheduler: EvaluationScheduler },
): ServiceDeps {
  return {
    db: parts.db,
    log: parts.log,
    scheduler: parts.scheduler,
    now: () => new Date(),
    limits: {
      maxInputBytes: config.endpoints.maxInputBytes,
      endpointAllowlist: config.endpoints.allowlist,
      protectedHosts: config.endpoints.protectedHosts,
      endpointSecretNames: config.endpoints.secretNames,
    },
  };
}

/** A paced Slack poster from the bot token (failed calls counted in metrics), or null when Slack is not configured. */
export function slackPoster(config: Config, log: Logger, metrics?: CanaryMetrics): SlackPoster | null {
  if (!config.slack.botToken) return null;
  const onApiError = metrics
    ? (method: string, error: string) => metrics.slackApiErrors.inc({ method, error })
    : undefined;
  return createSlackPoster(createSlackClient(config, log, onApiError ? { onApiError } : {}), {
    ratePerSecond: config.slack.ratePerSecond,
  });
}

/** The notify queue's handlers (Slack messages, digests) for startWorkers. */
export function notifyJobs(
  config: Config,
  parts: { deps: ServiceDeps; slack: SlackPoster | null },
): NotifyJobs {
  return createNotifyJobs({
    db: parts.deps.db,
    log: parts.deps.log,
    now: parts.deps.now,
    slack: parts.slack,
    charts: createChartRenderer(config.charts),
    modelsChannel: config.slack.modelsChannel,
    digestChannel: config.digest.channel,
    checkSignoffs: (modelId) => checkSignoffs(parts.deps, modelId),
  });
}
