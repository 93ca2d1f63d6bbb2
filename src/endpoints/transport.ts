import http from 'node:http';
import https from 'node:https';

export type HttpResult =
  | { ok: true; status: number; body: string; retryAfter?: string | undefined }
  | { ok: false; kind: 'timeout' | 'connection' | 'aborted'; error: string };

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
}

const MAX_RESPONSE_BYTES = 50 * 1024 * 1024;

/**
 * A keep-alive JSON client on node:http. Global fetch (undici) works too, but a plain agent with reused
 * sockets costs less per request, which matters when an evaluation sends thousands of small ones.
 */
export function createTransport(opts: TransportOptions): Transport {
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: opts.maxSockets };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  function postJson(
    url: string,
    body: unknown,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<HttpResult> {
    if (signal?.aborted) return Promise.resolve({ ok: false, kind: 'aborted', error: 'request aborted' });
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
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) res.destroy(new Error('response too large'));
            else chunks.push(chunk);
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
