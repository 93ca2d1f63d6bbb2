import type { Model, ModelStatus } from '../core/types.ts';
import {
  getModelByNameVersion,
  getProductionModel,
  insertModel,
  listModelRows,
  modelRef,
  promoteModelRow,
  setModelStatus,
} from '../db/queries/models.ts';
import { checkEndpointUrl, parseEndpointConfig } from '../endpoints/index.ts';
import type { ServiceDeps } from './deps.ts';
import { fail, invalid } from './errors.ts';

export { modelRef };

export const NAME_MAX = 100;
export const REPEATS_MAX = 20;

export type ModelRef = string | { name: string; version: string };

export interface RegisterModelInput {
  name: string;
  version: string;
  /** As the user sent it: validated by the endpoint adapters' own schema. */
  endpoint: unknown;
  metrics?: Record<string, number>;
  repeats?: number;
  registeredBy?: string | null;
  slack?: { channel: string; threadTs?: string | null };
}

/** Validates everything before writing; a duplicate name@version is refused by the unique index, not a pre-check. */
export async function registerModel(
  deps: ServiceDeps,
  input: RegisterModelInput,
): Promise<{ model: Model; evaluationId: number }> {
  const name = checkNamePart(input.name, 'name');
  const version = checkNamePart(input.version, 'version');
  const parsed = parseEndpointConfig(input.endpoint);
  if (!parsed.ok) invalid(`The endpoint is not valid: ${parsed.error}.`, 'endpoint');
  const endpoint = parsed.value;
  const allowed = checkEndpointUrl(endpoint.url, deps.limits.endpointAllowlist);
  if (!allowed.ok) fail('endpoint_refused', `${capitalise(allowed.error)}.`, 'endpoint.url');
  const metrics = checkMetrics(input.metrics ?? {});
  const repeats = input.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > REPEATS_MAX) {
    invalid(`Repeats must be a whole number from 1 to ${REPEATS_MAX}, got ${repeats}.`, 'repeats');
  }

  const model = await insertModel(deps.db, {
    name,
    version,
    endpoint,
    metrics,
    repeats,
    registeredBy: input.registeredBy ?? null,
    slackChannel: input.slack?.channel ?? null,
    slackTs: input.slack?.threadTs ?? null,
  });
  if (!model) return fail('duplicate', `${name}@${version} is already registered.`, 'version');
  const { evaluationId } = await deps.scheduler.evaluateModel({
    modelId: model.id,
    trigger: 'register',
    requestedBy: input.registeredBy ?? null,
    ...(input.slack ? { slack: input.slack } : {}),
  });
  deps.log.info({ model: modelRef(model), evaluationId }, 'model registered');
  return { model, evaluationId };
}

function checkNamePart(value: unknown, field: 'name' | 'version'): string {
  if (typeof value !== 'string' || value.trim() === '') return invalid(`The model ${field} is empty.`, field);
  const text = value.trim();
  if (/\s/.test(text)) return invalid(`The model ${field} must not contain spaces, got "${text}".`, field);
  if (text.includes('@')) return invalid(`The model ${field} must not contain "@", got "${text}".`, field);
  if (text.length > NAME_MAX) {
    return invalid(`The model ${field} is ${text.length} characters long; keep it to ${NAME_MAX}.`, field);
  }
  return text;
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

/** 'name@version' (the last @ splits, so names may not contain one) or {name, version}. */
export function parseModelRef(ref: ModelRef): { name: string; version: string } {
  if (typeof ref !== 'string') return ref;
  const text = ref.trim();
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) {
    return invalid(`"${text}" is not a model reference; write name@version.`, 'model');
  }
  return { name: text.slice(0, at), version: text.slice(at + 1) };
}

export async function getModelByRef(deps: ServiceDeps, ref: ModelRef): Promise<Model> {
  const { name, version } = parseModelRef(ref);
  const model = await getModelByNameVersion(deps.db, name, version);
  if (!model) return fail('model_not_found', `There is no model ${name}@${version}.`, 'model');
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
  ref: ModelRef,
): Promise<{ model: Model; previous: Model | null }> {
  const model = await getModelByRef(deps, ref);
  if (model.status === 'retired') {
    invalid(`${modelRef(model)} is retired; it cannot go to production.`, 'model');
  }
  const previous = await getProductionModel(deps.db, model.name);
  const promoted = await promoteModelRow(deps.db, model.id, deps.now());
  if (!promoted) return fail('model_not_found', `There is no model ${modelRef(model)}.`, 'model');
  deps.log.info({ model: modelRef(promoted) }, 'model promoted');
  return { model: promoted, previous: previous && previous.id !== promoted.id ? previous : null };
}

/** Retired models keep their results but leave lists, back-fills and charts. */
export async function retireModel(deps: ServiceDeps, ref: ModelRef): Promise<Model> {
  const model = await getModelByRef(deps, ref);
  const retired = await setModelStatus(deps.db, model.id, 'retired', deps.now());
  if (!retired) return fail('model_not_found', `There is no model ${modelRef(model)}.`, 'model');
  return retired;
}

/** The production model of that name; without a name, the most recently promoted one. Null when none. */
export async function productionModel(deps: ServiceDeps, name?: string): Promise<Model | null> {
  return getProductionModel(deps.db, name);
}
