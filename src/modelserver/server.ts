import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerGenerative, isGenerativePath } from './generative/index.ts';
import { MODELS } from './models.ts';
import { findModel, matchInferRoute, modelMetadata } from './protocols.ts';

/** Faults for tests and demos; every "…Every: N" fires on each Nth inference request (counted from setFaults). */
export interface ModelServerFaults {
  status500Every?: number;
  /** Too Many Requests, with a Retry-After header when `retryAfterSeconds` is set. */
  status429Every?: number;
  /** Request Timeout. */
  status408Every?: number;
  /** The Retry-After value (seconds) sent with injected 429s. */
  retryAfterSeconds?: number;
  /** Never answers: the client has to time out. */
  timeoutEvery?: number;
  /** Destroys the socket without a response. */
  closeEvery?: number;
  /** 200 with a body that is not JSON. */
  malformedEvery?: number;
  /** A well-formed answer with one prediction missing. */
  wrongCountEvery?: number;
  /** Every inference request gets a 400. */
  status4xx?: boolean;
  /** Added before every inference answer. */
  latencyMs?: number;
}

export interface ModelServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  latencyMs?: number;
  /** Shorthand for faults.status500Every. */
  failEvery?: number;
  faults?: ModelServerFaults;
  /**
   * Require this header on inference requests. A wrong value gets a 401 that echoes it back, as careless
   * servers do, so tests can prove clients keep secrets out of their error messages.
   */
  auth?: { header: string; value: string };
}

interface ModelServerStats {
  /** Inference requests received (health and metadata excluded). */
  requests: number;
  /** Texts scored. */
  inputs: number;
  inFlight: number;
  maxInFlight: number;
  byProtocol: Record<string, number>;
  byModel: Record<string, number>;
  injected: {
    status500: number;
    status429: number;
    status408: number;
    timeout: number;
    close: number;
    malformed: number;
    wrongCount: number;
    status4xx: number;
  };
}

export interface ModelServer {
  url: string;
  port: number;
  stats(): ModelServerStats;
  resetStats(): void;
  setFaults(faults: ModelServerFaults): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

function emptyStats(): ModelServerStats {
  return {
    requests: 0,
    inputs: 0,
    inFlight: 0,
    maxInFlight: 0,
    byProtocol: {},
    byModel: {},
    injected: {
      status500: 0,
      status429: 0,
      status408: 0,
      timeout: 0,
      close: 0,
      malformed: 0,
      wrongCount: 0,
      status4xx: 0,
    },
  };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendText(res, status, JSON.stringify(body), headers);
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function hits(every: number | undefined, seq: number): boolean {
  return every !== undefined && every > 0 && seq % every === 0;
}

function answerGet(path: string): [number, unknown] {
  if (path === '/health' || path === '/v2/health/live' || path === '/v2/health/ready')
    return [200, { status: 'ok', models: [...MODELS.keys()] }];
  if (path === '/v2') return [200, { name: 'canary-modelserver', version: '1', extensions: [] }];
  const meta = /^\/v2\/models\/([^/]+)$/.exec(path);
  const model = meta?.[1] ? findModel(decodeURIComponent(meta[1])) : undefined;
  if (model) return [200, modelMetadata(model)];
  return [404, { error: `no route for GET ${path}` }];
}

export async function startModelServer(opts: ModelServerOptions = {}): Promise<ModelServer> {
  let faults: ModelServerFaults = {
    ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
    ...(opts.failEvery !== undefined ? { status500Every: opts.failEvery } : {}),
    ...opts.faults,
  };
  let faultSeq = 0;
  let stats = emptyStats();
  const auth = opts.auth ? { header: opts.auth.header.toLowerCase(), value: opts.auth.value } : null;

  async function infer(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = matchInferRoute(path);
    const generativePath = isGenerativePath(path);
    if (!route && !generativePath) return sendJson(res, 404, { error: `no route for POST ${path}` });
    const protocolName = generativePath
      ? path.startsWith('/v2/')
        ? 'kserve-v2'
        : 'openai-embeddings'
      : (route?.protocol.name ?? '');
    stats.requests++;
    stats.byProtocol[protocolName] = (stats.byProtocol[protocolName] ?? 0) + 1;
    const seq = ++faultSeq;
    const raw = await readBody(req);
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (auth && req.headers[auth.header] !== auth.value)
      return sendJson(res, 401, { error: `invalid credentials: ${String(req.headers[auth.header])}` });
    if (faults.status4xx) {
      stats.injected.status4xx++;
      return sendJson(res, 400, { error: 'injected fault: bad request' });
    }
    if (hits(faults.status500Every, seq)) {
      stats.injected.status500++;
      return sendJson(res, 500, { error: 'injected fault: internal error' });
    }
    if (hits(faults.status429Every, seq)) {
      stats.injected.status429++;
      const retryAfter: Record<string, string> =
        faults.retryAfterSeconds === undefined ? {} : { 'retry-after': String(faults.retryAfterSeconds) };
      return sendJson(res, 429, { error: 'injected fault: too many requests' }, retryAfter);
    }
    if (hits(faults.status408Every, seq)) {
      stats.injected.status408++;
      return sendJson(res, 408, { error: 'injected fault: request timeout' });
    }
    if (hits(faults.timeoutEvery, seq)) {
      stats.injected.timeout++;
      return; // the socket stays open until the client gives up or the server closes
    }
    if (hits(faults.closeEvery, seq)) {
      stats.injected.close++;
      req.socket.destroy();
      return;
    }
    if (raw === null) return sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendJson(res, 400, { error: 'body is not valid JSON' });
    }
    const generative = answerGenerative(path, body);
    if (generative) {
      stats.byModel[generative.model] = (stats.byModel[generative.model] ?? 0) + 1;
      stats.inputs += generative.inputs;
      return sendJson(res, generative.status, generative.body);
    }
    if (!route) return sendJson(res, 404, { error: `no route for POST ${path}` });
    const modelName =
      route.model ??
      (typeof (body as { model?: unknown })?.model === 'string' ? (body as { model: string }).model : '');
    const model = findModel(modelName);
    if (!model)
      return sendJson(res, 404, {
        error: `model "${modelName}" not found; have ${[...MODELS.keys()].join(', ')}`,
      });
    const texts = route.protocol.texts(body);
    if (typeof texts === 'string') return sendJson(res, 400, { error: texts });
    stats.byModel[model.name] = (stats.byModel[model.name] ?? 0) + 1;
    stats.inputs += texts.length;
    if (hits(faults.malformedEvery, seq)) {
      stats.injected.malformed++;
      return sendText(res, 200, '{"predictions": [');
    }
    let results = texts.map((t) => model.predict(t));
    if (hits(faults.wrongCountEvery, seq)) {
      stats.injected.wrongCount++;
      results = results.slice(0, -1);
    }
    sendJson(res, 200, route.protocol.render(model, results, body));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET') {
      const [status, body] = answerGet(path);
      sendJson(res, status, body);
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: `method ${req.method} not allowed` });
      return;
    }
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const counted = stats;
    res.once('close', () => {
      counted.inFlight--;
    });
    infer(req, res, path).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  }

  const server = http.createServer({ keepAliveTimeout: 30_000 }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address === '0.0.0.0' ? '127.0.0.1' : address;

  return {
    url: `http://${host}:${port}`,
    port,
    stats: () => structuredClone(stats),
    resetStats() {
      const inFlight = stats.inFlight;
      stats = emptyStats();
      stats.inFlight = inFlight;
    },
    setFaults(next) {
      faults = { ...next };
      faultSeq = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Hung (timeout-fault) requests and idle keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
