import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { EvaluationScheduler, ObservationCardPoster } from './ports.ts';

/** What every use case gets handed. Services never build their own I/O. */
export interface ServiceDeps {
  db: Db;
  log: Logger;
  scheduler: EvaluationScheduler;
  now: () => Date;
  /** Posts observation cards (`post` on POST /observations); absent without Slack. */
  cards?: ObservationCardPoster;
  limits: {
    maxInputBytes: number;
    /** Hosts a model endpoint may live on (empty: any, except link-local / metadata addresses). */
    endpointAllowlist: string[];
    /** Hosts of Canary's own Postgres and Redis: refused as endpoints unless the allowlist names them. */
    protectedHosts?: readonly string[];
    /**
     * Environment variables a model's headersFromEnv may name (CANARY_ENDPOINT_SECRETS). Absent or empty:
     * none, so a registration cannot have an arbitrary variable of the worker sent to its URL.
     */
    endpointSecretNames?: readonly string[];
  };
}
