import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
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
 * sockets costs less per request, which matters when an evaluation sends thousands of small ones. For the
 * same reason the per-request path allocates little: the URL is parsed once (not once by us and again by
 * http.request), the literal-host verdict comes from the guard's cache, headers go to node:http as a
 * prebuilt raw list, and one Exchange object with shared listener functions replaces a closure per event.
 */
export function createTransport(opts: TransportOptions): Transport {
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const agentOptions = {
    keepAlive: true,
    maxSockets: opts.maxSockets,
    maxFreeSockets: opts.maxSockets,
    ...(opts.guard ? { lookup: opts.guard.lookup } : {}),
  };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const limits: Limits = {
    maxBytes,
    timeoutMs: opts.timeoutMs,
    tooLarge: `response too large (over ${maxBytes.toLocaleString('en-US')} bytes)`,
    timedOut: `timed out after ${opts.timeoutMs} ms`,
  };
  const targets = new Map<string, Target>();

  function targetOf(url: string): Target {
    let target = targets.get(url);
    if (target === undefined) {
      target = parseTarget(url, agents);
      // An adapter posts to one URL; a transport used with arbitrary URLs must not grow without bound.
      if (targets.size >= MAX_TARGETS) targets.clear();
      targets.set(url, target);
    }
    return target;
  }

  function postJson(
    url: string,
    body: unknown,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<HttpResult> {
    if (signal?.aborted) return Promise.resolve(abortedResult());
    let target: Target;
    try {
      target = targetOf(url);
    } catch (err) {
      return Promise.reject(err);
    }
    // IP literals never reach the agent's lookup: they are judged here, before a socket is opened.
    const refusal = opts.guard ? opts.guard.checkLiteral(target.urlHost) : null;
    if (refusal === null) return send(target, body, headers, signal);
    if (typeof refusal === 'string') return Promise.resolve(refusedResult(refusal));
    return refusal.then((r) => (r === null ? send(target, body, headers, signal) : refusedResult(r)));
  }

  function send(
    target: Target,
    body: unknown,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<HttpResult> {
    // The literal check may have waited for the protected hosts to resolve; an abort meanwhile counts.
    if (signal?.aborted) return Promise.resolve(abortedResult());
    const payload = JSON.stringify(body);
    return new Promise<HttpResult>((resolve) => {
      const raw = rawHeaders(target, headers, payload);
      const request = target.module.request({
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        method: 'POST',
        agent: target.agent,
        headers: raw,
      });
      const exchange = new Exchange(limits, resolve, request, signal);
      (request as Tagged<http.ClientRequest>)[EXCHANGE] = exchange;
      request.on('response', onResponse);
      request.on('error', onRequestError);
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

const MAX_TARGETS = 64;
const EXCHANGE = Symbol('exchange');
type Tagged<T> = T & { [EXCHANGE]: Exchange };

interface Limits {
  maxBytes: number;
  timeoutMs: number;
  tooLarge: string;
  timedOut: string;
}

/** A URL taken apart once: what http.request would otherwise rebuild from the string on every call. */
interface Target {
  module: typeof http | typeof https;
  agent: http.Agent;
  protocol: string;
  /** As the URL writes it (IPv6 in brackets): what the literal check judges. */
  urlHost: string;
  /** Without brackets: what the socket connects to. */
  hostname: string;
  port: number | undefined;
  path: string;
  /** The Host header node:http would send. */
  hostHeader: string;
  /** user:password from the URL, sent as Basic authorization as node:http does (registration refuses them). */
  auth: string | undefined;
  /** The header list for the last headers object seen (the runner passes one object per predict call). */
  lastHeaders: Record<string, string> | undefined;
  lastRaw: string[];
  /** Whether lastRaw already carries a caller-given content-length. */
  lastHasLength: boolean;
  /** Whether the last headers object sets Host itself. */
  customHost: boolean;
}

function parseTarget(url: string, agents: { http: http.Agent; https: https.Agent }): Target {
  const parsed = new URL(url);
  const options = urlToHttpOptions(parsed);
  const secure = parsed.protocol === 'https:';
  const hostname = options.hostname ?? 'localhost';
  // node:http's own rule: brackets around an IPv6 address, the port only when it is not the default.
  const bracketed = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  const port = typeof options.port === 'number' ? options.port : undefined;
  const defaultPort = secure ? 443 : 80;
  return {
    module: secure ? https : http,
    agent: secure ? agents.https : agents.http,
    protocol: parsed.protocol,
    urlHost: parsed.hostname,
    hostname,
    port,
    path: options.path ?? '/',
    hostHeader: port !== undefined && port !== defaultPort ? `${bracketed}:${port}` : bracketed,
    auth: options.auth ?? undefined,
    lastHeaders: undefined,
    lastRaw: [],
    lastHasLength: false,
    customHost: false,
  };
}

/**
 * The request's headers as node:http's raw [name, value, ...] list, which it stores as given instead of
 * going through setHeader per entry. Same content as the object form: defaults, then the caller's headers
 * replacing them whatever their case, then Host and Authorization (from URL credentials) unless given.
 * With the list node:http adds neither Host nor Authorization itself, so they are added here.
 */
function rawHeaders(
  target: Target,
  headers: Record<string, string>,
  payload: string,
): string[] | Record<string, string | number> {
  if (target.lastHeaders !== headers) {
    const merged = new Map<string, [string, string]>([
      ['accept', ['accept', 'application/json']],
      ['content-type', ['content-type', 'application/json']],
    ]);
    for (const name of Object.keys(headers)) merged.set(name.toLowerCase(), [name, String(headers[name])]);
    target.customHost = merged.has('host');
    if (!target.customHost) merged.set('host', ['Host', target.hostHeader]);
    if (target.auth !== undefined && !merged.has('authorization'))
      merged.set('authorization', ['Authorization', `Basic ${Buffer.from(target.auth).toString('base64')}`]);
    const list: string[] = [];
    for (const [name, value] of merged.values()) list.push(name, value);
    target.lastHeaders = headers;
    target.lastRaw = list;
    target.lastHasLength = merged.has('content-length');
  }
  // A caller's own Host header also names the TLS server (node:http takes SNI from it): keep that path.
  if (target.customHost)
    return {
      accept: 'application/json',
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      ...headers,
    };
  if (target.lastHasLength) return target.lastRaw;
  const list = target.lastRaw.slice();
  list.push('content-length', String(Buffer.byteLength(payload)));
  return list;
}

/**
 * One request's state. Its listeners are shared functions that find it on the request or response, the
 * timer gets it as an argument and the abort signal calls its handleEvent: nothing is allocated per event.
 * Timeout and caller abort destroy the request directly (an AbortController per request cost more CPU
 * than the rest of the request bookkeeping once thousands of small requests are in flight).
 */
class Exchange {
  settled = false;
  timedOut = false;
  size = 0;
  first: Buffer | undefined = undefined;
  rest: Buffer[] | undefined = undefined;
  retryAfter: string | undefined = undefined;
  readonly timer: NodeJS.Timeout;

  constructor(
    readonly limits: Limits,
    readonly resolve: (result: HttpResult) => void,
    readonly request: http.ClientRequest,
    readonly signal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(onTimeout, limits.timeoutMs, this);
    signal?.addEventListener('abort', this, { once: true });
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.request.destroy(new Error('request aborted'));
  }

  finish(result: HttpResult): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this);
    this.resolve(result);
  }

  fail(err: unknown): void {
    this.finish(this.failure(err));
  }

  failure(err: unknown): HttpResult {
    if (this.timedOut) return { ok: false, kind: 'timeout', error: this.limits.timedOut };
    if (this.signal?.aborted) return abortedResult();
    if (err instanceof RefusedAddressError) return refusedResult(err.message);
    const e = err as NodeJS.ErrnoException;
    return { ok: false, kind: 'connection', error: `connection error: ${e.code ?? e.message}` };
  }

  tooLarge(): void {
    this.first = undefined;
    this.rest = undefined;
    if (this.timedOut || this.signal?.aborted) this.fail(null);
    else this.finish({ ok: false, kind: 'too_large', error: this.limits.tooLarge });
    // Destroying the request closes the socket: nothing more is read, and it is not reused.
    this.request.destroy();
  }

  body(): string {
    if (this.rest !== undefined) return Buffer.concat(this.rest, this.size).toString('utf8');
    return this.first === undefined ? '' : this.first.toString('utf8');
  }
}

function onTimeout(exchange: Exchange): void {
  exchange.timedOut = true;
  exchange.request.destroy(new Error('timed out'));
}

function onRequestError(this: Tagged<http.ClientRequest>, err: Error): void {
  this[EXCHANGE].fail(err);
}

function onResponse(this: Tagged<http.ClientRequest>, res: http.IncomingMessage): void {
  const exchange = this[EXCHANGE];
  const { length, retryAfter } = scanHeaders(res.rawHeaders);
  // A declared length over the cap is refused before its first byte is read.
  if (Number(length ?? 0) > exchange.limits.maxBytes) {
    exchange.tooLarge();
    return;
  }
  exchange.retryAfter = retryAfter;
  (res as Tagged<http.IncomingMessage>)[EXCHANGE] = exchange;
  res.on('data', onData);
  res.on('end', onEnd);
  res.on('error', onResponseError);
  res.on('aborted', onResponseAborted);
}

function onData(this: Tagged<http.IncomingMessage>, chunk: Buffer): void {
  const exchange = this[EXCHANGE];
  exchange.size += chunk.length;
  if (exchange.size > exchange.limits.maxBytes) exchange.tooLarge();
  else if (exchange.first === undefined) exchange.first = chunk;
  else if (exchange.rest === undefined) exchange.rest = [exchange.first, chunk];
  else exchange.rest.push(chunk);
}

function onEnd(this: Tagged<http.IncomingMessage>): void {
  const exchange = this[EXCHANGE];
  exchange.finish({
    ok: true,
    status: this.statusCode ?? 0,
    body: exchange.body(),
    retryAfter: exchange.retryAfter,
  });
}

function onResponseError(this: Tagged<http.IncomingMessage>, err: Error): void {
  this[EXCHANGE].fail(err);
}

function onResponseAborted(this: Tagged<http.IncomingMessage>): void {
  this[EXCHANGE].fail(new Error('response aborted'));
}

/**
 * content-length and retry-after from the raw list, as `res.headers` would give them (node:http keeps the
 * first of duplicates for both) without building the whole headers object.
 */
function scanHeaders(raw: readonly string[]): { length: string | undefined; retryAfter: string | undefined } {
  let length: string | undefined;
  let retryAfter: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 14) {
      if (length === undefined && name.toLowerCase() === 'content-length') length = raw[i + 1];
    } else if (name.length === 11) {
      if (retryAfter === undefined && name.toLowerCase() === 'retry-after') retryAfter = raw[i + 1];
    }
  }
  return { length, retryAfter };
}

function abortedResult(): HttpResult {
  return { ok: false, kind: 'aborted', error: 'request aborted' };
}

function refusedResult(error: string): HttpResult {
  return { ok: false, kind: 'refused', error };
}
