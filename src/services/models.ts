import { isCanaryVariable } from '../config.ts';
import {
  checkModelName,
  checkModelVersion,
  type EndpointConfig,
  formatModelRef,
  type Model,
  type ModelRef,
  type ModelRole,
  type ModelStatus,
  parseModelRef,
} from '../core/model.ts';
import { insertControlEvent } from '../db/queries/controls.ts';
import {
  getModelByNameVersion,
  getProductionModel,
  insertModel,
  listModelRows,
  promoteModelRow,
  setModelRetired,
} from '../db/queries/models.ts';
import { checkEndpointUrl, parseEndpointConfig } from '../endpoints/index.ts';
import type { ServiceDeps } from './deps.ts';
import { fail, invalid, rejectNul, valueOrThrow } from './errors.ts';

const NAME_MAX = 100;
const REPEATS_MAX = 20;

/** How callers name a model: a ref, or its `name@version` text as a person typed it. */
export type ModelSelector = ModelRef | string;

export interface RegisterModelInput {
  name: string;
  version: string;
  /** As the user sent it: validated by the endpoint adapters' own schema. */
  endpoint: unknown;
  metrics?: Record<string, number>;
  repeats?: number;
  /** Default candidate. Graders and embedders are not evaluated on problems unless `evaluate` is true. */
  role?: ModelRole;
  evaluate?: boolean;
  registeredBy?: string | null;
  slack?: { channel: string; threadTs?: string | null };
}

export const MODEL_ROLES: readonly ModelRole[] = ['candidate', 'grader', 'embedder'];

/**
 * The model is registered either way; when its first evaluation cannot be queued (Redis down) the caller
 * gets `evaluationId: null` and a sentence saying how to queue it later, rather than an error that a retry
 * would turn into "already registered".
 */
export type RegisterModelResult =
  | { model: Model; evaluationId: number; warning?: undefined }
  | { model: Model; evaluationId: null; warning: string }
  /** A grader or embedder registered without `evaluate`: nothing was queued, on purpose. */
  | { model: Model; evaluationId: null; warning?: undefined };

/** Validates everything before writing; a duplicate name@version is refused by the unique index, not a pre-check. */
export async function registerModel(
  deps: ServiceDeps,
  input: RegisterModelInput,
): Promise<RegisterModelResult> {
  rejectNul(input, 'model');
  const name = checkNamePart(input.name, 'name');
  const version = checkNamePart(input.version, 'version');
  const parsed = parseEndpointConfig(input.endpoint);
  if (!parsed.ok) invalid(`The endpoint is not valid: ${parsed.error}.`, 'endpoint');
  const endpoint = parsed.value;
  const allowed = checkEndpointUrl(endpoint.url, {
    allowlist: deps.limits.endpointAllowlist,
    protectedHosts: deps.limits.protectedHosts ?? [],
  });
  if (!allowed.ok) fail('endpoint_refused', `${capitalise(allowed.error)}.`, 'endpoint.url');
  checkSecretNames(endpoint, deps.limits.endpointSecretNames ?? []);
  const metrics = checkMetrics(input.metrics ?? {});
  const repeats = input.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > REPEATS_MAX) {
    invalid(`Repeats must be a whole number from 1 to ${REPEATS_MAX}, got ${repeats}.`, 'repeats');
  }

  const role = input.role ?? 'candidate';
  if (!MODEL_ROLES.includes(role))
    invalid(`The role must be one of ${MODEL_ROLES.join(', ')}, got ${JSON.stringify(role)}.`, 'role');
  if (role === 'embedder' && endpoint.adapter !== 'openai-embeddings')
    invalid(
      'An embedder is served over the openai-embeddings adapter (an OpenAI-compatible /v1/embeddings).',
      'endpoint',
    );

  const model = await insertModel(deps.db, {
    name,
    version,
    endpoint,
    metrics,
    repeats,
    role,
    registeredBy: input.registeredBy ?? null,
    slackChannel: input.slack?.channel ?? null,
    slackTs: input.slack?.threadTs ?? null,
  });
  if (!model)
    return fail('duplicate', `${formatModelRef({ name, version })} is already registered.`, 'version');
  if (role !== 'candidate' && input.evaluate !== true) {
    deps.log.info(
      { model: formatModelRef(model), role },
      'model registered (not a candidate: not evaluated)',
    );
    return { model, evaluationId: null };
  }
  try {
    const { evaluationId } = await deps.scheduler.evaluateModel({
      modelId: model.id,
      trigger: 'register',
      requestedBy: input.registeredBy ?? null,
      ...(input.slack ? { slack: input.slack } : {}),
    });
    deps.log.info({ model: formatModelRef(model), evaluationId }, 'model registered');
    return { model, evaluationId };
  } catch (err) {
    deps.log.error(
      { err, model: formatModelRef(model) },
      'model registered but its evaluation could not be queued',
    );
    return { model, evaluationId: null, warning: notQueuedWarning(model) };
  }
}

function notQueuedWarning(model: Model): string {
  const ref = formatModelRef(model);
  const path = `/api/v1/models/${encodeURIComponent(model.name)}/${encodeURIComponent(model.version)}/evaluate`;
  return `${ref} is registered, but its evaluation could not be queued (the job queue is unavailable); queue it later with POST ${path} or \`canary gate --model ${ref} --wait\`.`;
}

/** Same rules as the Slack command, so a model registered one way can be named the other way. */
function checkNamePart(value: unknown, field: 'name' | 'version'): string {
  if (typeof value !== 'string' || value === '') return invalid(`The model ${field} is empty.`, field);
  if (value.length > NAME_MAX) {
    return invalid(`The model ${field} is ${value.length} characters long; keep it to ${NAME_MAX}.`, field);
  }
  const bad = field === 'name' ? checkModelName(value) : checkModelVersion(value);
  if (bad) return invalid(bad, field);
  return value;
}

/**
 * headersFromEnv makes the worker send an environment variable to the model's URL, and whoever registers a
 * model chooses that URL: only variables an operator listed may be named, and never Canary's own.
 */
function checkSecretNames(endpoint: EndpointConfig, allowedNames: readonly string[]): void {
  const named = endpoint.options.headersFromEnv;
  if (named === null || typeof named !== 'object') return;
  for (const variable of Object.values(named as Record<string, unknown>)) {
    if (typeof variable !== 'string') continue;
    if (isCanaryVariable(variable)) {
      invalid(
        `headersFromEnv may not name ${variable}: Canary's own settings are never sent to a model endpoint, even when listed in CANARY_ENDPOINT_SECRETS.`,
        'endpoint.headersFromEnv',
      );
    }
    if (!allowedNames.includes(variable)) {
      invalid(
        `headersFromEnv names ${variable}, which is not in CANARY_ENDPOINT_SECRETS; an operator must list it there before a model endpoint may use it.`,
        'endpoint.headersFromEnv',
      );
    }
  }
}

function checkMetrics(metrics: unknown): Record<string, number> {
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
    return invalid('Metrics must be an object of name → number, e.g. {"accuracy": 0.91}.', 'metrics');
  }
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      invalid(
        `Metric "${key}" must be a finite number, got ${JSON.stringify(value) ?? String(value)}.`,
        'metrics',
      );
    }
  }
  return { ...(metrics as Record<string, number>) };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export async function getModelByRef(deps: Pick<ServiceDeps, 'db'>, ref: ModelSelector): Promise<Model> {
  const { name, version } = typeof ref === 'string' ? valueOrThrow(parseModelRef(ref), 'model') : ref;
  const model = await getModelByNameVersion(deps.db, name, version);
  if (!model)
    return fail('model_not_found', `There is no model ${formatModelRef({ name, version })}.`, 'model');
  return model;
}

export async function listModels(
  deps: ServiceDeps,
  filter: { name?: string; status?: ModelStatus[]; latest?: number } = {},
): Promise<Model[]> {
  return listModelRows(deps.db, filter);
}

/** This model goes to production; the production model of the same name steps back to candidate. */
export async function promoteModel(
  deps: ServiceDeps,
  ref: ModelSelector,
): Promise<{ model: Model; previous: Model | null }> {
  const model = await getModelByRef(deps, ref);
  if (model.status === 'retired') {
    invalid(`${formatModelRef(model)} is retired; it cannot go to production.`, 'model');
  }
  const previous = await getProductionModel(deps.db, model.name);
  const promoted = await promoteModelRow(deps.db, model.id, deps.now());
  if (!promoted) return fail('model_not_found', `There is no model ${formatModelRef(model)}.`, 'model');
  deps.log.info({ model: formatModelRef(promoted) }, 'model promoted');
  return { model: promoted, previous: previous && previous.id !== promoted.id ? previous : null };
}

export interface ControlOptions {
  /** Who asks: a Slack user id, `api:<token fingerprint>` or `cli:<login>`; recorded with the change. */
  by?: string | null;
}

/**
 * Retired models keep their results but are not run on new patterns, drop out of lists, reports, the digest and
 * charts, and the gate refuses them. Retiring twice changes nothing; the production model must be replaced first.
 */
export async function retireModel(
  deps: ServiceDeps,
  ref: ModelSelector,
  opts: ControlOptions = {},
): Promise<Model> {
  const model = await getModelByRef(deps, ref);
  if (model.status === 'retired') return model;
  if (model.status === 'production') {
    fail(
      'conflict',
      `${formatModelRef(model)} is the production model; promote another version of ${model.name} before retiring it.`,
      'model',
    );
  }
  const by = opts.by ?? null;
  const retired = await deps.db.transaction(async (tx) => {
    const row = await setModelRetired(tx, model.id, { by }, deps.now());
    if (row) {
      await insertControlEvent(tx, {
        action: 'model.retire',
        subjectType: 'model',
        subjectId: model.id,
        actor: by,
        details: { model: formatModelRef(model) },
        at: deps.now(),
      });
    }
    return row;
  });
  // Someone else retired (or promoted) it in between: report what it is now.
  if (!retired) return retireModel(deps, ref, opts);
  deps.log.info({ model: formatModelRef(retired), by }, 'model retired');
  return retired;
}

export type RestoreModelResult =
  | { model: Model; evaluationId: number | null; warning?: undefined }
  | { model: Model; evaluationId: null; warning: string };

/**
 * Back to candidate. Patterns added while it was retired were not run on it, so its missing results are queued
 * (evaluationId); a queue that is down leaves the model restored with a warning, as at registration.
 */
export async function restoreModel(
  deps: ServiceDeps,
  ref: ModelSelector,
  opts: ControlOptions = {},
): Promise<RestoreModelResult> {
  const model = await getModelByRef(deps, ref);
  if (model.status !== 'retired') return { model, evaluationId: null };
  const by = opts.by ?? null;
  const restored = await deps.db.transaction(async (tx) => {
    const row = await setModelRetired(tx, model.id, null, deps.now());
    if (row) {
      await insertControlEvent(tx, {
        action: 'model.restore',
        subjectType: 'model',
        subjectId: model.id,
        actor: by,
        details: {
          model: formatModelRef(model),
          retiredAt: model.retiredAt ?? null,
          retiredBy: model.retiredBy ?? null,
        },
        at: deps.now(),
      });
    }
    return row;
  });
  if (!restored) return { model: await getModelByRef(deps, ref), evaluationId: null };
  deps.log.info({ model: formatModelRef(restored), by }, 'model restored');
  try {
    const { evaluationId } = await deps.scheduler.evaluateModel({
      modelId: restored.id,
      trigger: 'manual',
      requestedBy: by,
      onlyMissing: true,
    });
    return { model: restored, evaluationId };
  } catch (err) {
    deps.log.error(
      { err, model: formatModelRef(restored) },
      'model restored but its catch-up evaluation could not be queued',
    );
    return { model: restored, evaluationId: null, warning: notQueuedWarning(restored) };
  }
}

/** For callers about to evaluate or gate a model: a retired one is refused with the way back. */
export function refuseRetired(model: Model, what: string): void {
  if (model.status !== 'retired') return;
  fail(
    'conflict',
    `${formatModelRef(model)} is retired${model.retiredBy ? ` (by ${model.retiredBy})` : ''}, so it cannot ${what}; restore it first (\`/model restore ${formatModelRef(model)}\` or \`canary model restore ${formatModelRef(model)}\`).`,
    'model',
  );
}

/** The production model of that name; without a name, the most recently promoted one. Null when none. */
export async function productionModel(deps: ServiceDeps, name?: string): Promise<Model | null> {
  return getProductionModel(deps.db, name);
}

/** For callers that cannot go on without the evaluation (the demo, benchmarks, tests): its id, or the warning as an error. */
export function queuedEvaluationId(registered: RegisterModelResult): number {
  if (registered.evaluationId === null)
    fail(
      'queue_unavailable',
      registered.warning ??
        `${formatModelRef(registered.model)} is a ${registered.model.role}: it was not evaluated.`,
    );
  return registered.evaluationId;
}
