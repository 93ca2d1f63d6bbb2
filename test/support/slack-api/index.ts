import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { loadMethodDocs, type MethodDoc } from './docs.ts';
import { type Args, parseArgs, readBody, sendJson, sendText, uploadedBytes } from './http.ts';
import { TEAM_ID } from './ids.ts';
import { addReaction, handlers, SlackApiError } from './methods.ts';
import { createSocketModeServer, SOCKET_PATH, type SocketModeDouble } from './socket-mode.ts';
import {
  type Ephemeral,
  type Failure,
  newId,
  type RecordedCall,
  type RecordedResponse,
  type SlackFile,
  type SlackMessage,
  SlackState,
  type SlackUser,
  type StoredView,
} from './state.ts';

export * from './ids.ts';
export type { EnvelopeInput, EnvelopeType, SocketAck, SocketModeDouble } from './socket-mode.ts';
export type { Ephemeral, RecordedCall, RecordedResponse, SlackFile, SlackMessage, SlackUser, StoredView };

export interface SlackApiOptions {
  port?: number;
  botToken?: string;
  /** App-level token (xapp-…) that apps.connections.open accepts. Default 'xapp-test'. */
  appToken?: string;
  /** Bot scopes the token carries; when given, methods needing another scope answer missing_scope. */
  scopes?: string[];
}

export interface AddChannelInput {
  id: string;
  name: string;
  members?: string[];
  /** Default true; false makes posting and history answer not_in_channel. */
  botIsMember?: boolean;
  isPrivate?: boolean;
  /** A group DM (multi-person IM): reading it takes mpim:history rather than groups:history. */
  isMpim?: boolean;
}

export interface AddMessageInput {
  text: string;
  user: string;
  ts?: string;
  thread_ts?: string;
  blocks?: unknown[];
  /** Set for messages a bot posted (Slack sends both user and bot_id then). */
  bot_id?: string;
}

export interface FailOptions {
  error?: string;
  /** 429 answers with Retry-After and {ok:false,error:'ratelimited'}, as Slack does. */
  status?: number;
  /** Seconds, for 429. Default 1. */
  retryAfter?: number;
  /**
   * Only calls naming this channel (`channel` or `channel_id`) take the fault. A 429 scoped to a channel also
   * opens that channel's rate-limit window: every call for it answers 429 with the seconds still left until
   * Retry-After has passed, as Slack's per-channel limit on chat.postMessage does; other channels are unaffected.
   */
  channel?: string;
  /** Answer after this delay (a slow Slack). */
  delayMs?: number;
  times?: number;
}

export interface UploadedFile {
  file: SlackFile;
  bytes: Buffer | undefined;
  completed: boolean;
}

export interface SlackApi {
  /** Base for @slack/web-api's slackApiUrl, e.g. http://127.0.0.1:PORT/api/ */
  readonly url: string;
  readonly port: number;
  readonly botToken: string;
  readonly appToken: string;
  /** The Socket Mode side: the WebSocket that apps.connections.open hands out, and envelopes sent over it. */
  readonly socket: SocketModeDouble;
  readonly calls: readonly RecordedCall[];
  readonly responses: readonly RecordedResponse[];
  readonly ephemerals: readonly Ephemeral[];
  readonly files: UploadedFile[];
  readonly views: StoredView[];
  callsTo(method: string): RecordedCall[];
  /** Top-level messages of a channel, oldest first (thread replies excluded unless broadcast). */
  messages(channel: string): SlackMessage[];
  /** Parent then replies, oldest first. */
  thread(channel: string, ts: string): SlackMessage[];
  /** Every message in a channel, replies included, in posting order. */
  allMessages(channel: string): SlackMessage[];
  homeView(user: string): StoredView | undefined;
  addChannel(input: AddChannelInput): void;
  setBotMember(channel: string, isMember: boolean): void;
  addUser(input: Partial<SlackUser> & { id: string; name?: string }): SlackUser;
  addUsergroup(id: string, users: string[]): void;
  addMessage(channel: string, input: AddMessageInput): SlackMessage;
  addReaction(channel: string, ts: string, name: string, user: string): void;
  /** A trigger_id bound to a user, so views opened with it are attributed to them. */
  triggerId(user: string): string;
  /** A URL on this server that records POSTs, for Bolt's respond(). */
  responseUrl(id?: string): string;
  failNext(method: string, options?: FailOptions): void;
  waitFor<T>(predicate: () => T | Promise<T>, timeoutMs?: number): Promise<NonNullable<T>>;
  /** Forgets activity (calls, messages, files, views, responses, faults, socket acks); keeps channels, users, usergroups and socket connections. */
  reset(): void;
  close(): Promise<void>;
}

const JSON_ARGS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata']);

// Where a missing argument has a documented "value was invalid" error, Slack answers with that error.
const MISSING_ARG_ERRORS: Record<string, string> = {
  channel: 'channel_not_found',
  channel_id: 'channel_not_found',
  ts: 'message_not_found',
  message_ts: 'message_not_found',
  timestamp: 'no_item_specified',
  name: 'invalid_name',
  file: 'file_not_found',
  user: 'user_not_found',
  length: 'missing_argument',
  filename: 'missing_argument',
};

function recordedArgs(args: Args): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (k === 'token') continue;
    if (JSON_ARGS.has(k) && typeof v === 'string') {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // kept raw: the handler reports the parse error
      }
    }
    out[k] = v;
  }
  return out;
}

function missingRequired(doc: MethodDoc, args: Args): SlackApiError | undefined {
  for (const name of doc.required) {
    const v = args[name];
    if (v !== undefined && v !== null && v !== '') continue;
    const specific = MISSING_ARG_ERRORS[name];
    if (specific !== undefined && doc.errors.has(specific)) return new SlackApiError(specific);
    return new SlackApiError('invalid_arguments', {
      response_metadata: { messages: [`[ERROR] missing required field: ${name}`] },
    });
  }
  return undefined;
}

function channelOf(call: RecordedCall | undefined): string | undefined {
  const channel = call?.args.channel ?? call?.args.channel_id;
  return typeof channel === 'string' ? channel : undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

export async function startSlackApi(opts: SlackApiOptions = {}): Promise<SlackApi> {
  const botToken = opts.botToken ?? 'xoxb-test';
  const appToken = opts.appToken ?? 'xapp-test';
  const socketMode = createSocketModeServer();
  const { methods: docs } = loadMethodDocs();
  const state = new SlackState();
  let root = '';
  let port = 0;

  function takeFailure(key: string, channel: string | undefined): Failure | undefined {
    const queue = state.failures.get(key);
    const at = queue?.findIndex((f) => f.channel === undefined || f.channel === channel) ?? -1;
    const next = queue?.[at];
    if (!queue || !next) return undefined;
    next.times -= 1;
    if (next.times <= 0) queue.splice(at, 1);
    return next;
  }

  /** Seconds left in the channel's rate-limit window (rounded up, as Retry-After is whole seconds), or 0. */
  function limitedFor(channel: string | undefined): number {
    const until = channel === undefined ? undefined : state.rateLimitedUntil.get(channel);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    state.rateLimitedUntil.delete(channel as string);
    return 0;
  }

  /** Answers an injected fault; returns true when the request was consumed by one. */
  async function injectFault(
    key: string,
    res: ServerResponse,
    call: RecordedCall | undefined,
  ): Promise<boolean> {
    const channel = channelOf(call);
    const rateLimited = (retryAfter: number) => {
      if (call) call.outcome = '429';
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
      return true;
    };
    const left = limitedFor(channel);
    if (left > 0) return rateLimited(left);
    const failure = takeFailure(key, channel);
    if (!failure) return false;
    if (failure.delayMs) await new Promise((r) => setTimeout(r, failure.delayMs));
    if (failure.status === undefined && failure.error === undefined) return false;
    if (failure.status === 429) {
      const retryAfter = failure.retryAfter ?? 1;
      if (failure.channel !== undefined)
        state.rateLimitedUntil.set(failure.channel, Date.now() + retryAfter * 1000);
      return rateLimited(retryAfter);
    }
    const status = failure.status ?? 200;
    const error = failure.error ?? 'internal_error';
    if (call) call.outcome = status === 200 ? error : String(status);
    sendJson(res, status, { ok: false, error });
    return true;
  }

  async function handleMethod(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    query: URLSearchParams,
  ) {
    const raw = await readBody(req);
    const parsed = await parseArgs(req, raw, query);
    const args = parsed.kind === 'bad' ? {} : parsed.args;
    const call: RecordedCall = { method, args: recordedArgs(args), at: new Date(), outcome: 'ok' };
    state.calls.push(call);
    if (await injectFault(method, res, call)) return;

    const answer = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      sendJson(res, 200, body, headers);
    const fail = (e: SlackApiError) => {
      call.outcome = e.code;
      answer({ ok: false, error: e.code, ...e.extra });
    };

    if (method === 'apps.connections.open') return openConnection(req, parsed.kind, answer, fail);

    const doc = docs.get(method);
    const handler = handlers[method];
    if (!doc || !handler) return fail(new SlackApiError('unknown_method', { req_method: method }));
    if (parsed.kind === 'bad') return fail(new SlackApiError(parsed.error));
    // Slack ignores a token in a JSON body: JSON callers must use the Authorization header.
    const token = bearer(req) ?? (parsed.kind === 'json' ? undefined : (args.token as string | undefined));
    if (!token) return fail(new SlackApiError('not_authed'));
    if (token !== botToken) return fail(new SlackApiError('invalid_auth'));
    if (opts.scopes && doc.botScopes.length > 0 && !doc.botScopes.some((s) => opts.scopes?.includes(s))) {
      return fail(
        new SlackApiError('missing_scope', {
          needed: doc.botScopes.join(','),
          provided: opts.scopes.join(','),
        }),
      );
    }
    // Reading history takes the scope of the conversation's type, as Slack checks it (one of the four is not enough).
    const historyScope = opts.scopes ? historyScopeFor(method, args) : null;
    if (historyScope && !opts.scopes?.includes(historyScope)) {
      return fail(
        new SlackApiError('missing_scope', { needed: historyScope, provided: opts.scopes?.join(',') }),
      );
    }
    const missing = missingRequired(doc, args);
    if (missing) return fail(missing);
    try {
      const body = handler({ state, args, root });
      const scopeHeaders: Record<string, string> = {
        'x-accepted-oauth-scopes': doc.botScopes.join(','),
      };
      if (opts.scopes) scopeHeaders['x-oauth-scopes'] = opts.scopes.join(',');
      // Clone so later edits to stored state do not leak into an answer already given.
      answer(structuredClone({ ok: true, ...body }), scopeHeaders);
    } catch (e) {
      if (e instanceof SlackApiError) return fail(e);
      throw e;
    }
  }

  function historyScopeFor(method: string, args: Record<string, unknown>): string | null {
    if (method !== 'conversations.history' && method !== 'conversations.replies') return null;
    const c = state.channels.get(String(args.channel ?? ''));
    if (!c) return null;
    if (c.isIm) return 'im:history';
    if (c.isMpim) return 'mpim:history';
    return c.isPrivate ? 'groups:history' : 'channels:history';
  }

  /** The one method that takes the app-level token rather than the bot token. */
  function openConnection(
    req: IncomingMessage,
    kind: string,
    answer: (body: Record<string, unknown>) => void,
    fail: (e: SlackApiError) => void,
  ) {
    const token = bearer(req);
    if (!token) return fail(new SlackApiError('not_authed'));
    if (!token.startsWith('xapp-')) return fail(new SlackApiError('not_allowed_token_type'));
    if (token !== appToken) return fail(new SlackApiError('invalid_auth'));
    if (kind === 'bad') return fail(new SlackApiError('invalid_form_data'));
    answer({ ok: true, url: `ws://127.0.0.1:${port}${SOCKET_PATH}?ticket=${socketMode.issueTicket()}` });
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, fileId: string) {
    const raw = await readBody(req);
    if (await injectFault('upload', res, undefined)) return;
    const stored = state.files.get(fileId);
    if (!stored) return sendText(res, 404, 'Not Found');
    const bytes = await uploadedBytes(req, raw);
    stored.bytes = bytes;
    stored.file.size = bytes.length;
    sendText(res, 200, `OK - ${bytes.length}`);
  }

  async function handleResponseUrl(req: IncomingMessage, res: ServerResponse, id: string) {
    const raw = await readBody(req);
    if (await injectFault('response_url', res, undefined)) return;
    let body: unknown = raw.toString('utf8');
    try {
      body = JSON.parse(body as string);
    } catch {
      // Slack rejects non-JSON here; record it anyway so the test can see what was sent.
      state.responses.push({ id, body, at: new Date() });
      return sendText(res, 400, 'invalid_payload');
    }
    state.responses.push({ id, body, at: new Date() });
    sendText(res, 200, 'ok');
  }

  function handleFileDownload(req: IncomingMessage, res: ServerResponse, path: string) {
    const match = /^\/files-pri\/[A-Z0-9]+-(F[A-Z0-9]+)\//.exec(path);
    const stored = match?.[1] ? state.files.get(match[1]) : undefined;
    if (bearer(req) !== botToken) return sendText(res, 403, 'Forbidden');
    if (!stored?.bytes) return sendText(res, 404, 'Not Found');
    res.writeHead(200, { 'content-type': stored.file.mimetype, 'content-length': stored.bytes.length });
    res.end(stored.bytes);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const route = async () => {
      const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
      if (api?.[1] && (req.method === 'POST' || req.method === 'GET')) {
        return handleMethod(req, res, api[1], url.searchParams);
      }
      const upload = /^\/upload\/v1\/([A-Z0-9]+)$/.exec(path);
      if (upload?.[1] && req.method === 'POST') return handleUpload(req, res, upload[1]);
      const response = /^\/responses\/([^/]+)$/.exec(path);
      if (response?.[1] && req.method === 'POST') {
        return handleResponseUrl(req, res, decodeURIComponent(response[1]));
      }
      if (path.startsWith('/files-pri/') && req.method === 'GET') return handleFileDownload(req, res, path);
      sendText(res, 404, 'Not Found');
    };
    route().catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error', detail: String(e) });
      else res.end();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    socketMode.handleUpgrade(req, socket, head),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  root = `http://127.0.0.1:${port}/`;

  const api: SlackApi = {
    url: `${root}api/`,
    port,
    botToken,
    appToken,
    socket: socketMode.double,
    get calls() {
      return state.calls;
    },
    get responses() {
      return state.responses;
    },
    get ephemerals() {
      return state.ephemerals;
    },
    get files() {
      return [...state.files.values()].map(({ file, bytes, completed }) => ({ file, bytes, completed }));
    },
    get views() {
      return [...state.views.values()];
    },
    callsTo: (method) => state.calls.filter((c) => c.method === method),
    messages: (channel) => (state.messages.get(channel) ?? []).filter((m) => state.isTopLevel(m)),
    thread: (channel, ts) => state.thread(channel, ts),
    allMessages: (channel) => [...(state.messages.get(channel) ?? [])],
    homeView: (user) => [...state.views.values()].find((v) => v.kind === 'home' && v.user === user),
    addChannel(input) {
      state.channels.set(input.id, {
        id: input.id,
        name: input.name,
        members: new Set(input.members ?? []),
        botIsMember: input.botIsMember ?? true,
        isPrivate: input.isPrivate ?? input.id.startsWith('G'),
        isIm: input.id.startsWith('D'),
        isMpim: input.isMpim ?? false,
        created: Math.floor(Date.now() / 1000),
      });
    },
    setBotMember(channel, isMember) {
      const c = state.channels.get(channel);
      if (!c) throw new Error(`Unknown channel ${channel}: add it with api.addChannel first`);
      c.botIsMember = isMember;
    },
    addUser(input) {
      const name = input.name ?? input.id.toLowerCase();
      const user: SlackUser = {
        team_id: TEAM_ID,
        real_name: name,
        is_bot: false,
        deleted: false,
        tz: 'UTC',
        ...input,
        name,
        profile: input.profile ?? {
          display_name: name,
          real_name: input.real_name ?? name,
          image_72: `https://example.slack.com/avatars/${input.id}.png`,
        },
      };
      state.users.set(user.id, user);
      return user;
    },
    addUsergroup(id, users) {
      state.usergroups.set(id, [...users]);
    },
    addMessage(channel, input) {
      if (!state.channels.has(channel))
        throw new Error(`Unknown channel ${channel}: add it with api.addChannel first`);
      const message: SlackMessage = {
        type: 'message',
        ts: input.ts ?? state.clock.next(),
        text: input.text,
        user: input.user,
        team: TEAM_ID,
        ...(input.blocks ? { blocks: input.blocks } : {}),
        ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
        ...(input.bot_id ? { bot_id: input.bot_id } : {}),
      };
      return state.insert(channel, message);
    },
    addReaction(channel, ts, name, user) {
      const message = state.findMessage(channel, ts);
      if (!message) throw new Error(`No message ${ts} in ${channel}`);
      addReaction(message, name, user);
    },
    triggerId(user) {
      const id = `${Date.now()}.${newId('').toLowerCase()}`;
      state.triggers.set(id, user);
      return id;
    },
    responseUrl: (id = newId('R')) => `${root}responses/${encodeURIComponent(id)}`,
    failNext(method, options = { error: 'internal_error' }) {
      const queue = state.failures.get(method) ?? [];
      queue.push({ ...options, times: options.times ?? 1 });
      state.failures.set(method, queue);
    },
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await predicate();
        if (value !== undefined && value !== null && value !== false)
          return value as NonNullable<typeof value>;
        if (Date.now() > deadline)
          throw new Error(`slack-api waitFor: condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    reset() {
      state.clearActivity();
      socketMode.reset();
    },
    async close() {
      // Upgraded sockets are no longer the HTTP server's to close, so they are closed first.
      await socketMode.closeAll();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      });
    },
  };
  return api;
}
