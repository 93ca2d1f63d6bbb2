import http from 'node:http';
import https from 'node:https';
import type { AddressGuard } from './guarded-lookup.ts';
import { RefusedAddressError } from './guarded-lookup.ts';

/** `refused` and `too_large` will not change on a retry; the others may. */
export type HttpResult =
  | { ok: true; status: number; body: string; retryAfter?: string | undefined }
  | { ok: false; kind: 'timeout' | 'connection' | 'aborted' | 'refused' | 'too_large'; error: string };

export interface Transport {
  /** POSTs JSON and reads the whole answer as text. Never throws: network trouble comes back as data. */
  postJson(
    url: string,
    body: unknown,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<HttpResult>;
  close(): void;
}

export interface TransportOptions {
  /** Sockets per host; match the adapter's concurrency so requests never queue inside the agent. */
  maxSockets: number;
  timeoutMs: number;
  /** Reading stops past this many bytes of body (CANARY_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Checks the address every connection goes to (see guarded-lookup.ts). */
  guard?: AddressGuard;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/**
 * A keep-alive JSON client on node:http. Global fetch (undici) works too, but a plain agent with reused
 * sockets costs less per request, which matters when an evaluation sends thousands of small ones.
 */
export function createTransport(opts: TransportOptions): Transport {
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const tooLarge = `response too large (over ${maxBytes.toLocaleString('en-US')} bytes)`;
  const agentOptions = {
    keepAlive: true,
    maxSockets: opts.maxSockets,
    maxFreeSockets: opts.maxSockets,
    ...(opts.guard ? { lookup: opts.guard.lookup } : {}),
  };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  async function postJson(
    url: string,
    body: unknown,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<HttpResult> {
    if (signal?.aborted) return { ok: false, kind: 'aborted', error: 'request aborted' };
    // IP literals never reach the agent's lookup: they are judged here, before a socket is opened.
    const refusal = opts.guard ? await opts.guard.checkLiteral(new URL(url).hostname) : null;
    if (refusal) return { ok: false, kind: 'refused', error: refusal };
    return send(url, body, headers, signal);
  }

  function send(
    url: string,
    body: unknown,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<HttpResult> {
    const payload = JSON.stringify(body);
    const secure = url.startsWith('https:');
    let timedOut = false;

    return new Promise<HttpResult>((resolve) => {
      let settled = false;
      // Timeout and caller abort destroy the request directly: an AbortController per request cost more
      // CPU than the rest of the request bookkeeping once thousands of small requests are in flight.
      const timer = setTimeout(() => {
        timedOut = true;
        request.destroy(new Error('timed out'));
      }, opts.timeoutMs);
      const forward = () => request.destroy(new Error('request aborted'));
      signal?.addEventListener('abort', forward, { once: true });
      const finish = (result: HttpResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', forward);
        resolve(result);
      };
      const fail = (err: unknown) => {
        if (timedOut)
          return finish({ ok: false, kind: 'timeout', error: `timed out after ${opts.timeoutMs} ms` });
        if (signal?.aborted) return finish({ ok: false, kind: 'aborted', error: 'request aborted' });
        if (err instanceof RefusedAddressError)
          return finish({ ok: false, kind: 'refused', error: err.message });
        if (err instanceof ResponseTooLarge) return finish({ ok: false, kind: 'too_large', error: tooLarge });
        const e = err as NodeJS.ErrnoException;
        finish({ ok: false, kind: 'connection', error: `connection error: ${e.code ?? e.message}` });
      };

      const request = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...headers,
          },
        },
        (res) => {
          // A declared length over the cap is refused before its first byte is read.
          if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
            fail(new ResponseTooLarge());
            request.destroy();
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= maxBytes) {
              chunks.push(chunk);
              return;
            }
            // Destroying the request closes the socket: nothing more is read, and it is not reused.
            chunks.length = 0;
            fail(new ResponseTooLarge());
            request.destroy();
          });
          res.on('end', () =>
            finish({
              ok: true,
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              retryAfter: res.headers['retry-after'],
            }),
          );
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('response aborted')));
        },
      );
      request.on('error', fail);
      request.end(payload);
    });
  }

  return {
    postJson,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

class ResponseTooLarge extends Error {}
