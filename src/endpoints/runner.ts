import type { Prediction } from '../core/expectations/handler.ts';
import { tryParseJson } from '../core/json.ts';
import type { PatternInput } from '../core/pattern.ts';
import { createAddressGuard } from './guarded-lookup.ts';
import { createLimiter } from './limit.ts';
import type { CommonOptions } from './options.ts';
import { createRedactor } from './redact.ts';
import { type AttemptResult, withRetry } from './retry.ts';
import { createTransport, type HttpResult } from './transport.ts';
import type { AdapterDeps, EndpointAdapter, EndpointAnswer } from './types.ts';

/** What makes one protocol different from another: where to POST, what to send, how to read the answer. */
export interface WireProtocol {
  readonly maxBatchSize: number;
  readonly url: string;
  body(inputs: readonly PatternInput[]): unknown;
  /** One prediction per input, or a sentence saying why the response does not fit. */
  read(response: unknown, inputs: readonly PatternInput[]): Prediction[] | string;
}

const SNIPPET = 200;

/**
 * The shared half of every adapter: batching, the concurrency limit, retries, and turning every kind of
 * endpoint trouble into `{ok:false, error}` answers for exactly the inputs a request covered.
 */
export function createWireAdapter(
  kind: EndpointAdapter['kind'],
  options: CommonOptions,
  deps: AdapterDeps,
  protocol: WireProtocol,
): EndpointAdapter {
  const transport = createTransport({
    maxSockets: options.concurrency,
    timeoutMs: options.timeoutMs,
    ...(deps.maxResponseBytes === undefined ? {} : { maxResponseBytes: deps.maxResponseBytes }),
    guard: createAddressGuard({ allowlist: deps.allowlist ?? [], protectedHosts: deps.protectedHosts ?? [] }),
  });
  const limiter = createLimiter(options.concurrency);
  const retryOptions = { retries: options.retries, backoffMs: options.backoffMs };

  async function send(
    inputs: readonly PatternInput[],
    headers: Record<string, string>,
    secrets: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<EndpointAnswer[]> {
    const started = performance.now();
    const body = protocol.body(inputs);
    const result = await withRetry(
      async () => {
        const response = await limiter.run(() => transport.postJson(protocol.url, body, headers, signal));
        return interpret(response, inputs, protocol, secrets);
      },
      signal ? { ...retryOptions, signal } : retryOptions,
    );
    const latencyMs = performance.now() - started;
    if (!result.ok) {
      const error = redact(result.error, secrets);
      return inputs.map(() => ({ ok: false, error, latencyMs, attempts: result.attempts }));
    }
    return result.value.map((prediction) => ({ ok: true, prediction, latencyMs, attempts: result.attempts }));
  }

  return {
    kind,
    maxBatchSize: protocol.maxBatchSize,
    async predict(inputs, signal) {
      if (inputs.length === 0) return [];
      const resolved = resolveHeaders(options.headersFromEnv, deps.secrets);
      if (typeof resolved === 'string')
        return inputs.map(() => ({ ok: false, error: resolved, latencyMs: 0, attempts: 0 }));
      const batches: (readonly PatternInput[])[] = [];
      for (let i = 0; i < inputs.length; i += protocol.maxBatchSize)
        batches.push(inputs.slice(i, i + protocol.maxBatchSize));
      const answers = await Promise.all(
        batches.map((b) => send(b, resolved.headers, resolved.secrets, signal)),
      );
      return answers.flat();
    },
    async close() {
      transport.close();
    },
  };
}

function resolveHeaders(
  fromEnv: Record<string, string>,
  secrets: AdapterDeps['secrets'],
): { headers: Record<string, string>; secrets: string[] } | string {
  const headers: Record<string, string> = {};
  for (const [header, variable] of Object.entries(fromEnv)) {
    const value = secrets[variable];
    if (value === undefined || value === '') return `header ${header} needs ${variable}, which is not set`;
    headers[header] = value;
  }
  return { headers, secrets: Object.values(headers) };
}

function interpret(
  response: HttpResult,
  inputs: readonly PatternInput[],
  protocol: WireProtocol,
  secrets: readonly string[],
): AttemptResult<Prediction[]> {
  if (!response.ok)
    return {
      ok: false,
      error: response.error,
      // A refused address or an oversized answer would be the same on the next try.
      retryable: response.kind === 'timeout' || response.kind === 'connection',
    };
  const { status, body } = response;
  if (status < 200 || status >= 300) {
    // Redact before cutting: a cut through an echoed secret would leave its first part behind.
    const text = `HTTP ${status}${body ? `: ${redact(body, secrets).slice(0, SNIPPET)}` : ''}`;
    // Other 4xx mean the request itself is wrong (or unauthorised): sending it again cannot help.
    const retryable = status >= 500 || status === 429 || status === 408;
    const retryAfterMs = retryable ? parseRetryAfter(response.retryAfter, Date.now()) : undefined;
    return { ok: false, error: text, retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  const parsed = tryParseJson(body);
  if (!parsed.ok)
    return { ok: false, error: `response is not valid JSON (${parsed.error})`, retryable: true };
  // A server that echoes the credential in a successful answer must not have it stored in results.output.
  const answer = secrets.length > 0 ? createRedactor(secrets).json(parsed.value) : parsed.value;
  const predictions = protocol.read(answer, inputs);
  if (typeof predictions === 'string')
    return { ok: false, error: `malformed response: ${predictions}`, retryable: true };
  if (predictions.length !== inputs.length)
    return {
      ok: false,
      error: `malformed response: expected ${inputs.length} predictions, got ${predictions.length}`,
      retryable: true,
    };
  return { ok: true, value: predictions };
}

/**
 * Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3); anything else is ignored and the
 * usual backoff applies.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse alone would read "-5" or "1.5" as dates.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Servers sometimes echo credentials in error bodies, in any encoding; no secret may reach a stored error. */
export function redact(text: string, secrets: readonly string[]): string {
  return createRedactor(secrets).text(text);
}
