import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultBodyLimit, HTTPModuleFunctions, isRawBodyError, isValidSlackRequest } from '@slack/bolt';
import type { Logger } from '../../logger.ts';
import { type DeliveryLedger, signatureKey } from './deliveries.ts';
import { type ExpectedOrigin, foreignOrigin, originOf } from './origin.ts';

/** Bolt refuses timestamps older than this; it does not look at ones in the future, so we do. */
export const SIGNING_WINDOW_SEC = 5 * 60;

export interface RequestGuardOptions {
  signingSecret: string;
  expected: ExpectedOrigin;
  ledger: DeliveryLedger;
  log: Logger;
  /** Milliseconds since the epoch, for both ends of the window (Bolt's own stale check reads Date.now()). */
  nowMs?: () => number;
}

type Buffered = IncomingMessage & { rawBody: Buffer };

/**
 * What Bolt's HTTPReceiver does not check, in front of it: a signed request stamped more than five minutes
 * ahead (401), one for another workspace, org or app (403), and a second delivery of the same signed
 * request (200, so Slack stops, with nothing run). Requests that fail Bolt's own checks (signature, stale
 * timestamp, bad body, ssl_check) are handed on untouched so Bolt answers them as before; the buffered body
 * travels on req.rawBody, which Bolt reads instead of the stream.
 */
export function createRequestGuard(opts: RequestGuardOptions) {
  const nowMs = opts.nowMs ?? Date.now;
  const { log } = opts;

  /** Answers the request and returns false, or returns true to hand it to Bolt. */
  async function decide(req: Buffered, res: ServerResponse): Promise<boolean> {
    const sig = req.headers['x-slack-signature'];
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    const rawBody = req.rawBody.toString();
    const now = nowMs();
    const headers = { 'x-slack-signature': String(sig), 'x-slack-request-timestamp': timestamp };
    const signed = { signingSecret: opts.signingSecret, body: rawBody, headers, nowMilliseconds: now };
    if (typeof sig !== 'string' || !isValidSlackRequest(signed)) return true;

    const aheadSec = timestamp - Math.floor(now / 1000);
    if (aheadSec > SIGNING_WINDOW_SEC) {
      log.warn(
        { timestamp, aheadSec },
        'Slack request refused: timestamp more than five minutes in the future',
      );
      res.writeHead(401).end();
      return false;
    }

    let body: Record<string, unknown>;
    try {
      body = HTTPModuleFunctions.parseHTTPRequestBody(req);
    } catch {
      return true;
    }
    // A signed `null` or `5` is no payload; Bolt 5.1 reads `body.ssl_check` off it and never answers.
    if (body === null || typeof body !== 'object') {
      log.warn('Slack request refused: body is not a payload');
      res.writeHead(400).end();
      return false;
    }
    if (body.ssl_check === '1' || body.type === 'url_verification') return true;

    const origin = originOf(body);
    const foreign = foreignOrigin(origin, opts.expected);
    if (foreign) {
      log.warn({ ...origin, refused: foreign }, 'Slack request refused: for another team or app');
      res.writeHead(403).end();
      return false;
    }

    let first: boolean;
    try {
      first = await opts.ledger.first(signatureKey(sig));
    } catch (err) {
      // Fail closed: a replay guard that lapses whenever the database blips is one an attacker can wait
      // for, and every listener needs that database anyway. Slack retries events (with a new signature);
      // a person sees the command fail and can run it again.
      log.error({ err }, 'Slack request refused: replay check unavailable');
      res.writeHead(503).end();
      return false;
    }
    if (!first) {
      log.warn({ timestamp, ...origin }, 'Slack request replayed within the signing window ignored');
      res.writeHead(200).end();
      return false;
    }
    return true;
  }

  async function read(req: IncomingMessage, res: ServerResponse): Promise<Buffered | null> {
    try {
      return (await HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit)) as Buffered;
    } catch (err) {
      const tooLarge = isRawBodyError(err) && (err.type === 'entity.too.large' || err.statusCode === 413);
      log.warn(
        { err },
        tooLarge ? 'Slack request refused: body too large' : 'Slack request refused: body unreadable',
      );
      res.writeHead(tooLarge ? 413 : 400).end();
      return null;
    }
  }

  /** Answers the request itself, or calls `pass` to hand it (body buffered) to Bolt. */
  return async (req: IncomingMessage, res: ServerResponse, pass: () => void): Promise<void> => {
    const buffered = await read(req, res);
    if (buffered && (await decide(buffered, res))) pass();
  };
}
