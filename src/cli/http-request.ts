import { CanaryError } from '../core/errors.ts';
import { CliFailure } from './failure.ts';

export interface HttpTarget {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * One call to a running Canary's REST API. Turns the ways it can go wrong into sentences that name the mode
 * and the server: unreachable, unauthorised, or a refusal carrying the service's own code and message.
 */
export async function apiRequest(
  target: HttpTarget,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  options: { body?: unknown; query?: Record<string, string | undefined>; accept?: 'json' | 'text' } = {},
): Promise<unknown> {
  const url = new URL(
    path.replace(/^\//, ''),
    target.baseUrl.endsWith('/') ? target.baseUrl : `${target.baseUrl}/`,
  );
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const where = `the Canary API at ${target.baseUrl}`;
  let response: Response;
  try {
    response = await (target.fetch ?? fetch)(url, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        accept: options.accept === 'text' ? 'application/x-ndjson, text/plain' : 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: AbortSignal.timeout(target.timeoutMs ?? 60_000),
    });
  } catch (err) {
    throw new CliFailure(
      `HTTP mode: cannot reach ${where} (${describeFetchError(err)}). Is Canary running there?`,
    );
  }
  if (response.ok) return options.accept === 'text' ? response.text() : response.json();

  const body = (await response.json().catch(() => null)) as {
    error?: { code?: string; message?: string; field?: string };
  } | null;
  const code = body?.error?.code ?? `http_${response.status}`;
  const message = body?.error?.message ?? `${response.status} ${response.statusText}`;
  if (response.status === 401) {
    throw new CliFailure(`HTTP mode: unauthorised (401) by ${where}: ${message} Check CANARY_TOKEN.`);
  }
  if (response.status === 503) throw new CliFailure(`HTTP mode: ${where} is not available (503): ${message}`);
  if (response.status >= 500)
    throw new CliFailure(`HTTP mode: ${where} failed (${response.status}): ${message}`);
  throw new CanaryError(code, message, body?.error?.field);
}

function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timed out';
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}
