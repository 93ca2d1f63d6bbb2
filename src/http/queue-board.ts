import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono, type MiddlewareHandler } from 'hono';
import { tokenDigests, tokenMatches } from './auth.ts';
import { sendError } from './errors.ts';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * A read-only view of the BullMQ queues for operators (bull-board), on the same server and behind the same
 * API tokens as the REST API. Browsers cannot send a bearer header when following a link, so the board
 * also takes the token as the password of HTTP Basic authentication (any user name), which makes the
 * browser ask for it. Read-only twice over: bull-board's own readOnlyMode refuses retries, removals and
 * pauses, and anything but GET/HEAD is refused here before it reaches bull-board.
 */
export function queueBoardRoutes(queues: readonly Queue[], tokens: readonly string[]): Hono {
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Canary queues' } },
  });
  const app = new Hono();
  app.use(`${QUEUE_BOARD_PATH}/*`, operatorAuth(tokens));
  app.use(QUEUE_BOARD_PATH, operatorAuth(tokens));
  app.route(QUEUE_BOARD_PATH, serverAdapter.registerPlugin());
  return app;
}

function operatorAuth(tokens: readonly string[]): MiddlewareHandler {
  const digests = tokenDigests(tokens);
  return async (c, next) => {
    if (digests.length === 0) {
      return sendError(c, 503, 'api_disabled', 'The queue view needs API tokens; set CANARY_API_TOKENS.');
    }
    const presented = presentedToken(c.req.header('authorization') ?? '');
    if (presented === null || !tokenMatches(presented, digests)) {
      c.header('WWW-Authenticate', 'Basic realm="Canary queues", charset="UTF-8"');
      return sendError(
        c,
        401,
        'unauthorized',
        'Send an API token: "Authorization: Bearer <token>", or as the Basic password.',
      );
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return sendError(c, 405, 'read_only', 'The queue view is read-only.');
    }
    await next();
  };
}

function presentedToken(header: string): string | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1] as string;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}
