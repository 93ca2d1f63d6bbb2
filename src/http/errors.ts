import type { Context } from 'hono';
import { CanaryError } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import { httpStatusOf } from '../services/errors.ts';

interface ErrorBody {
  error: { code: string; message: string; field?: string; details?: unknown };
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 405 | 413 | 500 | 503;

function errorBody(code: string, message: string, field?: string, details?: unknown): ErrorBody {
  const error: ErrorBody['error'] = { code, message };
  if (field !== undefined) error.field = field;
  if (details !== undefined) error.details = details;
  return { error };
}

export function sendError(
  c: Context,
  status: ErrorStatus,
  code: string,
  message: string,
  field?: string,
  details?: unknown,
): Response {
  return c.json(errorBody(code, message, field, details), status);
}

/** A refusal raised by a route itself (bad query string, malformed body) before any service runs. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function badRequest(message: string, field?: string, details?: unknown): never {
  throw new HttpRefusal(400, 'validation', message, field, details);
}

/**
 * Service errors become 4xx with the service's own sentence; anything else is a real fault: a 500
 * that says nothing about internals, with the details in the log.
 */
export function respondToError(c: Context, err: unknown, log: Logger): Response {
  if (err instanceof HttpRefusal)
    return sendError(c, err.status, err.code, err.message, err.field, err.details);
  if (err instanceof CanaryError) {
    const status = httpStatusOf(err.code) as ErrorStatus;
    if (status >= 500) log.error({ err, code: err.code }, 'service error without an http mapping');
    return sendError(c, status, err.code, err.message, err.field);
  }
  log.error({ err, path: c.req.path, method: c.req.method }, 'unhandled api error');
  return sendError(
    c,
    500,
    'internal',
    'Canary failed to answer this request; the server log has the details.',
  );
}
