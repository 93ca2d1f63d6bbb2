import { and, asc, desc, eq, inArray, ne } from 'drizzle-orm';
import type { EndpointConfig, Model, ModelRole, ModelStatus } from '../../core/model.ts';
import type { Db } from '../client.ts';
import { models } from '../schema.ts';

type ModelRow = typeof models.$inferSelect;

export function toModel(row: ModelRow): Model {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    endpoint: {
      adapter: row.adapter as EndpointConfig['adapter'],
      url: row.url,
      options: (row.endpointOptions ?? {}) as Record<string, unknown>,
    },
    metrics: row.metrics ?? {},
    status: row.status,
    role: row.role,
    repeats: row.repeats,
    registeredBy: row.registeredBy,
    slackChannel: row.slackChannel,
    slackTs: row.slackTs,
    registeredAt: row.registeredAt,
    retiredAt: row.retiredAt,
    retiredBy: row.retiredBy,
  };
}

export interface NewModel {
  name: string;
  version: string;
  endpoint: EndpointConfig;
  metrics: Record<string, number>;
  repeats: number;
  role?: ModelRole;
  registeredBy: string | null;
  slackChannel: string | null;
  slackTs: string | null;
}

/** Null when name@version is already registered: the unique index decides, so concurrent registrations are safe. */
export async function insertModel(db: Db, values: NewModel): Promise<Model | null> {
  const [row] = await db
    .insert(models)
    .values({
      name: values.name,
      version: values.version,
      adapter: values.endpoint.adapter,
      url: values.endpoint.url,
      endpointOptions: values.endpoint.options,
      metrics: values.metrics,
      repeats: values.repeats,
      role: values.role ?? 'candidate',
      registeredBy: values.registeredBy,
      slackChannel: values.slackChannel,
      slackTs: values.slackTs,
    })
    .onConflictDoNothing({ target: [models.name, models.version] })
    .returning();
  return row ? toModel(row) : null;
}

export async function getModelById(db: Db, id: number): Promise<Model | null> {
  const [row] = await db.select().from(models).where(eq(models.id, id));
  return row ? toModel(row) : null;
}

export async function getModelsByIds(db: Db, ids: readonly number[]): Promise<Model[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(models)
    .where(inArray(models.id, [...ids]))
    .orderBy(asc(models.registeredAt), asc(models.id));
  return rows.map(toModel);
}

export async function getModelByNameVersion(db: Db, name: string, version: string): Promise<Model | null> {
  const [row] = await db
    .select()
    .from(models)
    .where(and(eq(models.name, name), eq(models.version, version)));
  return row ? toModel(row) : null;
}

export interface ModelFilter {
  name?: string;
  status?: readonly ModelStatus[];
  /** Newest first and at most this many. Without it: every match, in registration order. */
  latest?: number;
  /** Default: candidates only, so graders and embedders stay out of evaluations, back-fills, reports and charts. */
  roles?: readonly ModelRole[];
}

export async function listModelRows(db: Db, filter: ModelFilter = {}): Promise<Model[]> {
  const conditions = [
    filter.name === undefined ? undefined : eq(models.name, filter.name),
    filter.status && filter.status.length > 0 ? inArray(models.status, [...filter.status]) : undefined,
    inArray(models.role, [...(filter.roles ?? ['candidate'])]),
  ];
  const where = and(...conditions);
  if (filter.latest !== undefined) {
    const rows = await db
      .select()
      .from(models)
      .where(where)
      .orderBy(desc(models.registeredAt), desc(models.id))
      .limit(filter.latest);
    return rows.map(toModel).reverse();
  }
  const rows = await db.select().from(models).where(where).orderBy(asc(models.registeredAt), asc(models.id));
  return rows.map(toModel);
}

/** The production model of that name, or — without a name — the most recently promoted one. */
export async function getProductionModel(db: Db, name?: string): Promise<Model | null> {
  const [row] = await db
    .select()
    .from(models)
    .where(and(eq(models.status, 'production'), name === undefined ? undefined : eq(models.name, name)))
    .orderBy(desc(models.updatedAt), desc(models.id))
    .limit(1);
  return row ? toModel(row) : null;
}

/** One production model per name: the previous one steps back to candidate in the same transaction. */
export async function promoteModelRow(db: Db, modelId: number, now: Date): Promise<Model | null> {
  return db.transaction(async (tx) => {
    const [target] = await tx.select({ name: models.name }).from(models).where(eq(models.id, modelId));
    if (!target) return null;
    // Lock every version of the name so two concurrent promotions cannot both end up in production.
    await tx.select({ id: models.id }).from(models).where(eq(models.name, target.name)).for('update');
    await tx
      .update(models)
      .set({ status: 'candidate', updatedAt: now })
      .where(and(eq(models.name, target.name), eq(models.status, 'production'), ne(models.id, modelId)));
    const [row] = await tx
      .update(models)
      .set({ status: 'production', updatedAt: now })
      .where(eq(models.id, modelId))
      .returning();
    return row ? toModel(row) : null;
  });
}

/**
 * Retires (by set) or restores (by null) a model, only from the opposite state, so two concurrent calls
 * change it once. Null when the model was already in that state. Use in a transaction with the audit row.
 */
export async function setModelRetired(
  db: Db,
  modelId: number,
  retired: { by: string | null } | null,
  now: Date,
): Promise<Model | null> {
  const [row] = await db
    .update(models)
    .set(
      retired
        ? { status: 'retired', retiredAt: now, retiredBy: retired.by, updatedAt: now }
        : { status: 'candidate', retiredAt: null, retiredBy: null, updatedAt: now },
    )
    .where(
      and(
        eq(models.id, modelId),
        retired ? ne(models.status, 'retired') : eq(models.status, 'retired'),
        // Production is left by promoting another version; retiring it would leave the gate without a baseline.
        retired ? ne(models.status, 'production') : undefined,
      ),
    )
    .returning();
  return row ? toModel(row) : null;
}
