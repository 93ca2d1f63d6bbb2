import type { Queue } from 'bullmq';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { parseModelRef, toEndpointEnvelope } from '../core/model.ts';
import type { ProblemStatus } from '../core/problem.ts';
import { parseProblemStatus } from '../core/problem.ts';
import type { ServiceDeps } from '../services/deps.ts';
import { getEvaluation } from '../services/evaluation/results.ts';
import { getModelByRef, listModels, promoteModel, refuseRetired, registerModel } from '../services/models.ts';
import { addPatterns, listPatterns } from '../services/patterns.ts';
import { createProblem, getProblem, listProblems, updateProblem } from '../services/problems.ts';
import { exportPatterns } from '../services/reporting/export-patterns.ts';
import { gateReport } from '../services/reporting/gate-report.ts';
import { compareModels, modelReport, problemHistory } from '../services/reports.ts';
import { suggestForPattern } from '../services/suggestions.ts';
import { adminGate } from './admin.ts';
import { bearerAuth } from './auth.ts';
import {
  createProblemBody,
  parseBody,
  registerModelBody,
  suggestionsBody,
  updateProblemBody,
} from './bodies.ts';
import { controlRoutes } from './control-routes.ts';
import { badRequest, respondToError, sendError } from './errors.ts';
import { healthRoutes, type Readiness } from './health.ts';
import { observationRoutes } from './observations.ts';
import { validatePatternItems } from './patterns-body.ts';
import { queueBoardRoutes } from './queue-board.ts';

export interface ApiDeps extends ServiceDeps {
  tokens: string[];
  /** CANARY_ADMIN_TOKENS: also valid API tokens; when any are set, only they may do admin actions. */
  adminTokens?: string[];
  ping: () => Promise<Readiness>;
  /** Request bodies above this are refused with 413 before they are read. */
  maxBodyBytes?: number;
  /** Queues shown read-only to operators at /admin/queues (same tokens); none: no queue view. */
  boardQueues?: readonly Queue[];
  /** The same for POST /patterns, where a real import of tens of thousands of patterns travels in one body. */
  maxImportBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** 50,000 patterns of a few hundred bytes each fit; the work is chunked, so the size costs time, not a 500. */
export const DEFAULT_MAX_IMPORT_BODY_BYTES = 64 * 1024 * 1024;

/** The REST API: JSON in and out, bearer tokens, service errors as 4xx bodies. */
export function createApi(deps: ApiDeps): Hono {
  const app = new Hono();
  const log = deps.log.child({ module: 'http' });
  const maxBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  app.onError((err, c) => respondToError(c, err, log));
  app.notFound((c) => sendError(c, 404, 'not_found', `There is no route ${c.req.method} ${c.req.path}.`));
  app.route('/', healthRoutes(deps.ping));
  if (deps.boardQueues) app.route('/', queueBoardRoutes(deps.boardQueues, deps.tokens));

  const api = new Hono();
  const admin = adminGate(deps.adminTokens ?? []);
  api.use('*', bearerAuth([...deps.tokens, ...(deps.adminTokens ?? [])]));
  const limitOf = (size: number) =>
    bodyLimit({
      maxSize: size,
      onError: (c) =>
        sendError(
          c,
          413,
          'too_large',
          `The request body is larger than the limit of ${size} bytes; send less at once.`,
        ),
    });
  const general = limitOf(maxBytes);
  const imports = limitOf(deps.maxImportBodyBytes ?? DEFAULT_MAX_IMPORT_BODY_BYTES);
  api.use('*', (c, next) =>
    c.req.method === 'POST' && c.req.path.endsWith('/patterns') ? imports(c, next) : general(c, next),
  );

  api.get('/problems', async (c) => {
    const status = c.req.queries('status')?.flatMap((s) => s.split(','));
    const summaries = await listProblems(deps, status ? { status: status.map(problemStatusParam) } : {});
    return c.json({ problems: summaries });
  });
  api.post('/problems', async (c) => {
    const body = parseBody(createProblemBody, await readJson(c));
    // A threshold gates every CI run: setting one at creation is the same act as changing it later.
    if (body.threshold !== undefined && body.threshold !== null) admin.require(c, 'set thresholds');
    const problem = await createProblem(deps, body);
    return c.json({ key: problem.key, problem }, 201);
  });
  api.get('/problems/:key', async (c) => c.json({ problem: await getProblem(deps, c.req.param('key')) }));
  api.patch('/problems/:key', async (c) => {
    const body = parseBody(updateProblemBody, await readJson(c));
    if (body.threshold !== undefined) admin.require(c, 'change thresholds');
    return c.json({ problem: await updateProblem(deps, c.req.param('key'), body) });
  });
  api.get('/problems/:key/history', async (c) => c.json(await problemHistory(deps, c.req.param('key'))));
  api.get('/problems/:key/patterns', async (c) => {
    const { problem, patterns } = await listPatterns(deps, c.req.param('key'));
    return c.json({ problem: problem.key, patterns });
  });

  api.post('/patterns', async (c) => {
    const body = await readJson(c);
    const drafts = validatePatternItems(body, deps.limits.maxInputBytes);
    const createProblems = flag(c.req.query('createProblems'), 'createProblems');
    const result = await addPatterns(deps, drafts, { createProblems });
    const created = result.items.filter((i) => i.status === 'created').length;
    return c.json(
      {
        // Every item sent is accounted for, in order: created + existing + repeats = sent.
        sent: result.items.length,
        created,
        existing: result.items.length - created - result.repeats,
        repeats: result.repeats,
        items: result.items,
        problemsCreated: result.problemsCreated.map((p) => p.key),
        patterns: { created: result.created, existing: result.existing },
      },
      201,
    );
  });
  api.post('/patterns/:id/suggestions', async (c) => {
    const body = parseBody(suggestionsBody, await readOptionalJson(c));
    const { pattern, problem, seed, proposals } = await suggestForPattern(deps, {
      patternId: positiveId(c.req.param('id'), 'id'),
      ...body,
    });
    return c.json({ pattern: pattern.id, problem: problem.key, polarity: pattern.polarity, seed, proposals });
  });
  api.get('/patterns/export', async (c) => {
    const problem = c.req.query('problem');
    const jsonl = await exportPatterns(deps, problem ? { problem } : {});
    return c.body(jsonl, 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  });

  api.get('/models', async (c) => {
    // Retired models are left out unless asked for, as everywhere else.
    const all = flag(c.req.query('includeRetired'), 'includeRetired');
    return c.json({ models: await listModels(deps, all ? {} : { status: ['candidate', 'production'] }) });
  });
  api.post('/models', async (c) => {
    admin.require(c, 'register models');
    const body = parseBody(registerModelBody, await readJson(c));
    const { model, evaluationId, warning } = await registerModel(deps, {
      name: body.name,
      version: body.version,
      endpoint: toEndpointEnvelope(body.endpoint),
      metrics: body.metrics ?? {},
      ...(body.repeats === undefined ? {} : { repeats: body.repeats }),
      ...(body.role === undefined ? {} : { role: body.role }),
      ...(body.evaluate === undefined ? {} : { evaluate: body.evaluate }),
    });
    // Registered even when the evaluation could not be queued: a retry would only get 409, so say how to queue it.
    return c.json({ id: model.id, evaluationId, model, ...(warning ? { warning } : {}) }, 201);
  });
  api.post('/models/:name/:version/promote', async (c) => {
    admin.require(c, 'promote models');
    const { model, previous } = await promoteModel(deps, refOf(c));
    return c.json({ model, previous });
  });
  api.post('/models/:name/:version/evaluate', async (c) => {
    const model = await getModelByRef(deps, refOf(c));
    refuseRetired(model, 'be evaluated');
    const { evaluationId } = await deps.scheduler.evaluateModel({
      modelId: model.id,
      trigger: 'ci',
      onlyMissing: true,
    });
    return c.json({ evaluationId }, 202);
  });
  api.get('/models/:name/:version/report', async (c) => c.json(await modelReport(deps, refOf(c))));
  api.get('/models/:name/:version/gate', async (c) => {
    const baseline = c.req.query('baseline');
    const strict = flag(c.req.query('strict'), 'strict');
    const requireEvidence = flag(c.req.query('requireEvidence'), 'requireEvidence');
    const ratings = flag(c.req.query('ratings'), 'ratings');
    const result = await gateReport(deps, {
      model: refOf(c),
      ...(baseline ? { baseline: baselineOf(baseline) } : {}),
      strict,
      ...(requireEvidence ? { requireEvidence } : {}),
      ratings,
    });
    return c.json(result);
  });
  api.get('/compare', async (c) => {
    const a = modelRefParam(c.req.query('a'), 'a');
    const b = modelRefParam(c.req.query('b'), 'b');
    return c.json(await compareModels(deps, a, b));
  });

  api.get('/evaluations/:id', async (c) => {
    const id = Number(c.req.param('id'));
    if (!Number.isSafeInteger(id) || id <= 0)
      badRequest('The evaluation id must be a positive whole number.', 'id');
    const evaluation = await getEvaluation(deps, id);
    if (!evaluation) return sendError(c, 404, 'evaluation_not_found', `There is no evaluation ${id}.`);
    return c.json(evaluation);
  });

  api.route('/', controlRoutes(deps, admin, readJson));
  api.route('/observations', observationRoutes(deps, readJson));

  app.route('/api/v1', api);
  return app;
}

/** Malformed JSON is the client's mistake: a 400 naming the parser's complaint. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') badRequest('The request body is empty; send JSON.');
  try {
    return JSON.parse(text);
  } catch (err) {
    return badRequest(
      `The request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}.`,
    );
  }
}

function positiveId(value: string | undefined, field: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value ?? '') || !Number.isSafeInteger(id) || id <= 0)
    badRequest(`The ${field} must be a positive whole number, got "${value}".`, field);
  return id;
}

/** An optional body: empty means "all defaults". */
async function readOptionalJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  return text.trim() === '' ? {} : readJsonText(text);
}

function readJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return badRequest(
      `The request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}.`,
    );
  }
}

function problemStatusParam(value: string): ProblemStatus {
  const parsed = parseProblemStatus(value);
  return parsed.ok ? parsed.value : badRequest(parsed.error, 'status');
}

function flag(value: string | undefined, field: string): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  return badRequest(`${field} must be true or false, got "${value}".`, field);
}

function refOf(c: Context): { name: string; version: string } {
  return { name: c.req.param('name') as string, version: c.req.param('version') as string };
}

function modelRefParam(value: string | undefined, field: string): { name: string; version: string } {
  if (!value) return badRequest(`The query parameter "${field}" is required, as <name>@<version>.`, field);
  const parsed = parseModelRef(value);
  if (!parsed.ok) return badRequest(parsed.error, field);
  return parsed.value;
}

/** `production` (the default), `none`, or name@version. */
function baselineOf(value: string): 'production' | null | { name: string; version: string } {
  if (value === 'none') return null;
  return value === 'production' ? 'production' : modelRefParam(value, 'baseline');
}
