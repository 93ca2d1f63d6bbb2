import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { APP_ID } from './ids.ts';
import { acceptUpgrade, rejectUpgrade, type ServerWebSocket } from './websocket.ts';

/** Where apps.connections.open points clients; Slack's own URLs are wss://wss-primary.slack.com/link/?ticket=… */
export const SOCKET_PATH = '/link/';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface EnvelopeInput {
  type: EnvelopeType;
  payload: Record<string, unknown>;
  envelope_id?: string;
  /** Defaults as Slack sets it: true for slash commands and view submissions, false for events. */
  accepts_response_payload?: boolean;
  /** events_api only: Slack's redelivery counter and why it redelivered. */
  retry_attempt?: number;
  retry_reason?: string;
}

/** What a Socket Mode client sends back for an envelope (its ack), as received. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export interface SocketModeDouble {
  /** True while a client holds a connection that has been greeted with `hello`. */
  connected(): boolean;
  /** Open connections right now (Slack allows up to 10 per app). */
  readonly connections: number;
  /** Every ack received, in order. */
  readonly acks: readonly SocketAck[];
  /** Sends an envelope on the newest connection; resolves with the client's ack, rejects if none comes in time. */
  sendEnvelope(input: EnvelopeInput, opts?: { timeoutMs?: number }): Promise<SocketAck>;
  /**
   * Slack's `disconnect` message: `refresh_requested` when it recycles a connection, `warning` ten seconds
   * before, `link_disabled` when Socket Mode is switched off. The client closes and opens a new connection.
   */
  disconnect(reason?: 'refresh_requested' | 'warning' | 'link_disabled'): void;
}

export interface SocketModeServer {
  double: SocketModeDouble;
  /** A one-use ticket for apps.connections.open's URL. */
  issueTicket(): string;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Forgets acks; connections stay. */
  reset(): void;
  closeAll(): Promise<void>;
}

interface PendingAck {
  connection: Connection;
  resolve(ack: SocketAck): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface Connection {
  ws: ServerWebSocket;
  greeted: boolean;
}

const DEFAULT_ACK_TIMEOUT_MS = 5000;

function defaultAcceptsResponse(input: EnvelopeInput): boolean {
  if (input.type === 'slash_commands') return true;
  if (input.type === 'interactive') {
    const kind = input.payload.type;
    return kind === 'view_submission' || kind === 'block_suggestion';
  }
  return false;
}

export function createSocketModeServer(): SocketModeServer {
  const tickets = new Set<string>();
  const connections: Connection[] = [];
  const acks: SocketAck[] = [];
  const pending = new Map<string, PendingAck>();

  function onText(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const ack = message as Partial<SocketAck>;
    if (typeof ack.envelope_id !== 'string') return;
    const received: SocketAck = {
      envelope_id: ack.envelope_id,
      ...(ack.payload !== undefined ? { payload: ack.payload } : {}),
    };
    acks.push(received);
    const waiting = pending.get(received.envelope_id);
    if (!waiting) return;
    pending.delete(received.envelope_id);
    clearTimeout(waiting.timer);
    waiting.resolve(received);
  }

  function onClosed(connection: Connection): void {
    const index = connections.indexOf(connection);
    if (index >= 0) connections.splice(index, 1);
    for (const [id, waiting] of pending) {
      if (waiting.connection !== connection) continue;
      pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(new Error(`Socket Mode connection closed before envelope ${id} was acked`));
    }
  }

  const live = () => connections.filter((c) => c.greeted && c.ws.open);

  const double: SocketModeDouble = {
    connected: () => live().length > 0,
    get connections() {
      return live().length;
    },
    get acks() {
      return acks;
    },
    sendEnvelope(input, opts = {}) {
      const connection = live().at(-1);
      if (!connection) return Promise.reject(new Error('No Socket Mode client is connected'));
      const envelopeId = input.envelope_id ?? randomBytes(16).toString('hex');
      const envelope: Record<string, unknown> = {
        envelope_id: envelopeId,
        type: input.type,
        payload: input.payload,
        accepts_response_payload: input.accepts_response_payload ?? defaultAcceptsResponse(input),
      };
      if (input.type === 'events_api') {
        envelope.retry_attempt = input.retry_attempt ?? 0;
        envelope.retry_reason = input.retry_reason ?? '';
      }
      const timeoutMs = opts.timeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
      return new Promise<SocketAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(envelopeId);
          reject(new Error(`No ack for ${input.type} envelope ${envelopeId} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(envelopeId, { connection, resolve, reject, timer });
        connection.ws.sendText(JSON.stringify(envelope));
      });
    },
    disconnect(reason = 'refresh_requested') {
      for (const connection of live()) {
        connection.ws.sendText(
          JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-canary-double' } }),
        );
      }
    },
  };

  return {
    double,
    issueTicket() {
      const ticket = randomBytes(16).toString('hex');
      tickets.add(ticket);
      return ticket;
    },
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const ticket = url.searchParams.get('ticket') ?? '';
      if (url.pathname !== SOCKET_PATH) return rejectUpgrade(socket, 404, 'Not Found');
      // A ticket opens one connection: a reconnecting client must call apps.connections.open again.
      if (!tickets.delete(ticket)) return rejectUpgrade(socket, 401, 'Unauthorized');
      let connection: Connection | undefined;
      acceptUpgrade(
        req,
        socket,
        head,
        {
          onText,
          onClosed: () => {
            if (connection) onClosed(connection);
          },
        },
        (ws) => {
          connection = { ws, greeted: false };
          connections.push(connection);
          ws.sendText(
            JSON.stringify({
              type: 'hello',
              num_connections: connections.length,
              debug_info: {
                host: 'applink-canary-double',
                build_number: 1,
                approximate_connection_time: 18060,
              },
              connection_info: { app_id: APP_ID },
            }),
          );
          connection.greeted = true;
        },
      );
    },
    reset() {
      acks.length = 0;
    },
    async closeAll() {
      // 1001 "going away", as when Slack's server restarts.
      await Promise.all(connections.map((c) => c.ws.close(1001, 'server closing')));
    },
  };
}
