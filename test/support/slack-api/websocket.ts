import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/** The server side of the double's Socket Mode link, on `ws` (the real client is @slack/socket-mode's). */
const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });

/** How long a close we start may wait for the peer's answer before the socket is dropped. */
const CLOSE_WAIT_MS = 1000;

export interface WebSocketHandlers {
  onText(text: string): void;
  onClosed(): void;
}

/** Completes the upgrade (ws answers a request that is not a WebSocket handshake with 400 itself). */
export function acceptUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  handlers: WebSocketHandlers,
  onOpen: (ws: ServerWebSocket) => void,
): void {
  server.handleUpgrade(req, socket, head, (ws) => onOpen(new ServerWebSocket(ws, handlers)));
}

export function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export class ServerWebSocket {
  constructor(
    private readonly ws: WebSocket,
    handlers: WebSocketHandlers,
  ) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) handlers.onText(data.toString());
    });
    ws.on('close', () => handlers.onClosed());
    // A client that vanishes mid-frame is the client's problem, not a crash of the double.
    ws.on('error', () => {});
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  sendText(text: string): void {
    this.ws.send(text);
  }

  /** Starts the close handshake; resolves once the socket is closed (dropped if the peer does not answer). */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      const timer = setTimeout(() => this.ws.terminate(), CLOSE_WAIT_MS);
      timer.unref();
      this.ws.close(code, reason);
    });
  }
}
