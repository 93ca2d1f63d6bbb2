import type { Prediction } from '../core/expectations/handler.ts';
import type { EndpointConfig } from '../core/model.ts';
import type { PatternInput } from '../core/pattern.ts';

/** One input's answer from a model endpoint: a prediction, or an infrastructure error (never a "fail"). */
export type EndpointAnswer =
  | { ok: true; prediction: Prediction; latencyMs: number; attempts: number }
  | { ok: false; error: string; latencyMs: number; attempts: number };

/**
 * A model-serving protocol. `predict` sends as few requests as the protocol allows (batches of at most
 * `maxBatchSize`), respects the per-model concurrency limit, retries timeouts / 5xx / connection errors
 * with backoff and jitter (never 4xx), and returns exactly one answer per input, in order. It never throws
 * for endpoint trouble: a malformed or wrongly-shaped response becomes `{ok:false, error}` for the inputs it covered.
 */
export interface EndpointAdapter {
  readonly kind: EndpointConfig['adapter'];
  readonly maxBatchSize: number;
  predict(inputs: readonly PatternInput[], signal?: AbortSignal): Promise<EndpointAnswer[]>;
  close(): Promise<void>;
}

export interface AdapterDeps {
  /** Where secrets referenced by name (e.g. headersFromEnv: {Authorization: 'MODEL_TOKEN'}) are looked up. */
  secrets: Record<string, string | undefined>;
  /** CANARY_ENDPOINT_ALLOWLIST: checked again when an adapter is built, not only at registration. */
  allowlist?: readonly string[];
  /** Hosts of Canary's own Postgres and Redis (refused unless the allowlist names them). */
  protectedHosts?: readonly string[];
  /** Responses larger than this are cut off: "response too large". Default 1 MiB. */
  maxResponseBytes?: number;
}
