import { type Context, Hono } from 'hono';
import { parseModelRef } from '../core/model.ts';
import {
  OBSERVATION_STATUSES,
  type ObservationStatus,
  parseRating,
  type Rating,
} from '../core/observation.ts';
import type { ServiceDeps } from '../services/deps.ts';
import {
  addObservations,
  getObservation,
  listObservations,
  MAX_PAGE,
  rateObservation,
} from '../services/observations.ts';
import { dismissObservation, patternFromObservation, triageQueue } from '../services/triage.ts';
import { badRequest } from './errors.ts';
import { validateObservationItems } from './observations-body.ts';

/** /observations routes; mounted by api.ts behind its auth and body limit. */
export function observationRoutes(deps: ServiceDeps, readJson: (c: Context) => Promise<unknown>): Hono {
  const api = new Hono();
  api.post('/', async (c) => {
    const drafts = validateObservationItems(await readJson(c), deps.limits.maxInputBytes);
    const result = await addObservations(deps, drafts);
    return c.json(result, result.created > 0 ? 201 : 200);
  });
  api.get('/', async (c) => {
    const model = c.req.query('model');
    const rating = c.req.query('rating');
    const status = c.req.query('status');
    const limit = c.req.query('limit');
    const cursor = c.req.query('cursor');
    return c.json(
      await listObservations(deps, {
        ...(model ? { model: modelParam(model) } : {}),
        ...(rating ? { rating: ratingParam(rating) } : {}),
        ...(status ? { status: statusParam(status) } : {}),
        ...(limit ? { limit: limitParam(limit) } : {}),
        ...(cursor ? { cursor } : {}),
      }),
    );
  });
  api.get('/triage', async (c) => {
    const limit = c.req.query('limit');
    return c.json({ groups: await triageQueue(deps, limit ? { limit: limitParam(limit) } : {}) });
  });
  api.post('/:id/pattern', async (c) => {
    const body = objectBody(
      await readJson(c),
      '{"problem": "P-3", "expect": {...}, "notes"?: text, "by"?: id}',
    );
    if (typeof body['problem'] !== 'string' || body['problem'].trim() === '')
      badRequest('Say which problem the pattern belongs to (its key or title).', 'problem');
    const expectation = body['expect'] ?? body['expectation'];
    if (expectation === undefined) badRequest('The expectation ("expect") is missing.', 'expect');
    const result = await patternFromObservation(deps, {
      observationId: idParam(c),
      problem: body['problem'] as string,
      expectation,
      ...(typeof body['notes'] === 'string' ? { notes: body['notes'] } : {}),
      by: typeof body['by'] === 'string' ? body['by'] : null,
    });
    return c.json(result, result.created ? 201 : 200);
  });
  api.post('/:id/dismiss', async (c) => {
    const body = objectBody(await readJson(c), '{"reason": text, "by"?: id}');
    if (typeof body['reason'] !== 'string')
      badRequest('reason is required: say why it is dismissed.', 'reason');
    return c.json(
      await dismissObservation(deps, {
        observationId: idParam(c),
        reason: body['reason'] as string,
        by: typeof body['by'] === 'string' ? body['by'] : null,
      }),
    );
  });
  api.get('/:id', async (c) => c.json({ observation: await getObservation(deps, idParam(c)) }));
  api.post('/:id/rating', async (c) => {
    const body = await readJson(c);
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      badRequest('Send {"rating": "up" | "down" | null, "user"?: id}.');
    const { rating, user, ...rest } = body as { rating?: unknown; user?: unknown };
    const unknown = Object.keys(rest);
    if (unknown.length > 0) badRequest(`Unknown field "${unknown[0]}"; expected rating, user.`, unknown[0]);
    if (rating === undefined) badRequest('rating is required: "up", "down", or null to withdraw.', 'rating');
    let value: Rating | null = null;
    if (rating !== null) {
      const parsed = parseRating(rating);
      if (!parsed.ok) badRequest(parsed.error, 'rating');
      value = parsed.value;
    }
    if (user !== undefined && (typeof user !== 'string' || user.trim() === '' || user.length > 200))
      badRequest('user must be a non-empty id of at most 200 characters.', 'user');
    const observation = await rateObservation(deps, {
      id: idParam(c),
      rating: value,
      rater: typeof user === 'string' ? user.trim() : null,
    });
    return c.json({ observation });
  });
  return api;
}

function objectBody(body: unknown, shape: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) badRequest(`Send ${shape}.`);
  return body as Record<string, unknown>;
}

function idParam(c: Context): number {
  const id = Number(c.req.param('id'));
  if (!Number.isSafeInteger(id) || id <= 0)
    badRequest('The observation id must be a positive whole number.', 'id');
  return id;
}

function modelParam(value: string): { name: string; version: string } {
  const parsed = parseModelRef(value);
  return parsed.ok ? parsed.value : badRequest(parsed.error, 'model');
}

function ratingParam(value: string): Rating | 'none' {
  if (value === 'none') return 'none';
  const parsed = parseRating(value);
  return parsed.ok ? parsed.value : badRequest(`rating must be up, down or none, got "${value}".`, 'rating');
}

function statusParam(value: string): ObservationStatus {
  const found = OBSERVATION_STATUSES.find((s) => s === value);
  return (
    found ?? badRequest(`status must be one of ${OBSERVATION_STATUSES.join(', ')}, got "${value}".`, 'status')
  );
}

function limitParam(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE)
    badRequest(`limit must be a whole number from 1 to ${MAX_PAGE}, got "${value}".`, 'limit');
  return n;
}
