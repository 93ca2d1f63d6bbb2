import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { ServiceDeps } from '../services/deps.ts';
import { restoreModel, retireModel } from '../services/models.ts';
import { editPattern, setPatternActive } from '../services/patterns.ts';
import type { AdminGate } from './admin.ts';
import { parseBody } from './bodies.ts';
import { badRequest } from './errors.ts';

const editPatternBody = z.strictObject({
  input: z.unknown().optional(),
  expect: z.unknown().optional(),
  notes: z.string().optional(),
  polarity: z.string().optional(),
});

/**
 * Admin controls over what is evaluated and counted: retire/restore a model, deactivate/reactivate/edit a
 * pattern. Each records who (the token's fingerprint) and when; see README "Retiring models and patterns".
 */
export function controlRoutes(
  deps: ServiceDeps,
  gate: AdminGate,
  readJson: (c: Context) => Promise<unknown>,
): Hono {
  const api = new Hono();
  const ref = (c: Context) => ({
    name: c.req.param('name') as string,
    version: c.req.param('version') as string,
  });

  api.post('/models/:name/:version/retire', async (c) => {
    gate.require(c, 'retire models');
    return c.json({ model: await retireModel(deps, ref(c), { by: gate.actor(c) }) });
  });
  api.post('/models/:name/:version/restore', async (c) => {
    gate.require(c, 'restore models');
    const { model, evaluationId, warning } = await restoreModel(deps, ref(c), { by: gate.actor(c) });
    return c.json({ model, evaluationId, ...(warning ? { warning } : {}) });
  });
  api.post('/patterns/:id/deactivate', async (c) => {
    gate.require(c, 'deactivate patterns');
    return c.json({
      pattern: await setPatternActive(deps, patternId(c.req.param('id')), false, { by: gate.actor(c) }),
    });
  });
  api.post('/patterns/:id/reactivate', async (c) => {
    gate.require(c, 'reactivate patterns');
    return c.json({
      pattern: await setPatternActive(deps, patternId(c.req.param('id')), true, { by: gate.actor(c) }),
    });
  });
  api.patch('/patterns/:id', async (c) => {
    gate.require(c, 'edit patterns');
    const id = patternId(c.req.param('id'));
    const body = parseBody(editPatternBody, await readJson(c));
    const pattern = await editPattern(deps, id, {
      ...(body.input === undefined ? {} : { input: body.input }),
      ...(body.expect === undefined ? {} : { expectation: body.expect }),
      ...(body.notes === undefined ? {} : { notes: body.notes }),
      ...(body.polarity === undefined ? {} : { polarity: body.polarity }),
      editedBy: gate.actor(c),
    });
    return c.json({ pattern });
  });
  return api;
}

function patternId(text: string | undefined): number {
  const id = Number(text);
  if (!/^\d+$/.test(text ?? '') || !Number.isSafeInteger(id) || id <= 0) {
    return badRequest(`The pattern id must be a positive whole number, got "${text}".`, 'id');
  }
  return id;
}
