import { createHash } from 'node:crypto';
import { formatModelRef } from '../core/model.ts';
import { inputKey, type ObservationDraft, type ObservationStatus, type Rating } from '../core/observation.ts';
import type { Db } from '../db/client.ts';
import { getModelsByIds } from '../db/queries/models.ts';
import {
  attachToSlackObservation,
  getObservationRow,
  insertObservations,
  listObservationRows,
  modelIdsByRef,
  type NewObservation,
  type ObservationRow,
  pruneUntriaged,
  setObservationSlack,
  setRating,
} from '../db/queries/observations.ts';
import type { ServiceDeps } from './deps.ts';
import { fail, invalid } from './errors.ts';

/** An observation as the API and Slack show it. */
export interface Observation {
  id: number;
  /** name@version, or null for a rated Slack message nobody tied to a model. */
  model: string | null;
  input: unknown;
  output: unknown;
  at: string;
  user: string | null;
  comment: string | null;
  metadata: Record<string, unknown>;
  externalId: string | null;
  slack: { channel: string; ts: string } | null;
  ratings: { up: number; down: number };
  status: ObservationStatus;
  patternId: number | null;
  dismissReason: string | null;
}

export interface AddObservationsResult {
  /** One per item, in the order sent; `card` for an item posted as a card (or why it could not be). */
  items: {
    index: number;
    id: number;
    status: 'created' | 'existing';
    card?: { channel: string; ts: string } | { error: string };
  }[];
  created: number;
  existing: number;
}

/** API ratings without a user id count as one anonymous rater per observation. */
export const API_RATER = 'api';

export function inputHash(input: unknown): string | null {
  if (input === null || input === undefined) return null;
  return createHash('sha256').update(inputKey(input)).digest('hex');
}

/**
 * Stores validated observations all-or-nothing, idempotent by externalId (and by Slack message). Every model
 * named must be registered; an unknown one refuses the whole request, naming the item.
 */
export async function addObservations(
  deps: ServiceDeps,
  drafts: readonly ObservationDraft[],
): Promise<AddObservationsResult> {
  const refs = new Map(drafts.map((d) => [`${d.model.name}@${d.model.version}`, d.model]));
  const now = deps.now();
  const cards = drafts.filter((d) => d.post !== null).length;
  if (cards > 0 && !deps.cards)
    invalid('Canary has no Slack connection here, so it cannot post observation cards ("post").', 'post');
  if (cards > MAX_CARDS_PER_REQUEST)
    invalid(
      `${cards} items ask for a card; at most ${MAX_CARDS_PER_REQUEST} per request (Slack posts about one message a second per channel).`,
      'post',
    );
  const result = await deps.db.transaction(async (tx) => {
    const ids = await modelIdsByRef(tx, [...refs.values()]);
    for (const [index, d] of drafts.entries()) {
      const ref = `${d.model.name}@${d.model.version}`;
      if (!ids.has(ref))
        invalid(
          `${drafts.length > 1 ? `item ${index}: ` : ''}model: no model ${ref} is registered; register it first. Nothing was saved.`,
          drafts.length > 1 ? `[${index}].model` : 'model',
        );
    }
    const rows: NewObservation[] = drafts.map((d) => ({
      modelId: ids.get(`${d.model.name}@${d.model.version}`) as number,
      input: d.input,
      output: d.output,
      inputHash: inputHash(d.input),
      at: d.at ?? now,
      userId: d.user,
      comment: d.comment,
      metadata: d.metadata,
      externalId: d.externalId,
      slackChannel: d.slack?.channel ?? null,
      slackTs: d.slack?.ts ?? null,
      rating: d.rating ? { rater: d.user ?? API_RATER, rating: d.rating, source: 'api' } : null,
    }));
    const outcomes = await insertObservationsOnce(tx, rows);
    // A Slack-born row for the same message learns its model from the application's post.
    for (const [i, o] of outcomes.entries()) {
      const row = rows[i] as NewObservation;
      if (!o.created && row.slackChannel !== null) await attachToSlackObservation(tx, o.id, row);
    }
    const items = outcomes.map((o, index) => ({
      index,
      id: o.id,
      status: o.created ? ('created' as const) : ('existing' as const),
    }));
    const created = items.filter((i) => i.status === 'created').length;
    deps.log.info({ created, existing: items.length - created }, 'observations added');
    return { items, created, existing: items.length - created };
  });
  if (cards > 0) await postCards(deps, drafts, result);
  return result;
}

/** Cards are posted in the request: an application posting a chat turn wants the card's ts back at once. */
export const MAX_CARDS_PER_REQUEST = 20;

/**
 * After the commit, so a Slack failure never loses the observation: each new item with `post` is posted and
 * tied to its card (reactions on it then rate it); a failure is reported on the item. A retried request finds
 * the item existing and posts nothing twice.
 */
async function postCards(
  deps: ServiceDeps,
  drafts: readonly ObservationDraft[],
  result: AddObservationsResult,
): Promise<void> {
  for (const item of result.items) {
    const d = drafts[item.index];
    if (!d?.post || item.status !== 'created' || !deps.cards) continue;
    try {
      const ref = await deps.cards.post({
        observationId: item.id,
        model: `${d.model.name}@${d.model.version}`,
        input: d.input,
        output: d.output,
        channel: d.post.channel,
        threadTs: d.post.threadTs,
      });
      await setObservationSlack(deps.db, item.id, ref);
      item.card = ref;
    } catch (error) {
      deps.log.warn({ err: error, observation: item.id }, 'observation card could not be posted');
      item.card = { error: error instanceof Error ? error.message : 'Slack refused the card.' };
    }
  }
}

/**
 * The same externalId (or Slack message) twice in one request is one observation: the first occurrence is
 * inserted, the later ones are reported as existing with its id.
 */
async function insertObservationsOnce(db: Db, rows: readonly NewObservation[]) {
  const firstOf = new Map<string, number>();
  const unique: NewObservation[] = [];
  const slot: number[] = [];
  for (const row of rows) {
    const keys = [
      row.externalId === null ? null : `x:${row.externalId}`,
      row.slackChannel === null ? null : `s:${row.slackChannel}/${row.slackTs}`,
    ].filter((k): k is string => k !== null);
    const seen = keys.map((k) => firstOf.get(k)).find((v) => v !== undefined);
    if (seen !== undefined) {
      slot.push(-1 - seen);
      continue;
    }
    for (const k of keys) firstOf.set(k, unique.length);
    slot.push(unique.length);
    unique.push(row);
  }
  const inserted = await insertObservations(db, unique);
  return slot.map((s) => {
    if (s >= 0) return inserted[s] as { id: number; created: boolean };
    return { id: (inserted[-1 - s] as { id: number }).id, created: false };
  });
}

export interface ObservationQuery {
  model?: { name: string; version: string };
  rating?: Rating | 'none';
  status?: ObservationStatus;
  limit?: number;
  cursor?: string;
}

export const MAX_PAGE = 500;

export async function listObservations(
  deps: ServiceDeps,
  query: ObservationQuery,
): Promise<{ observations: Observation[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  let modelId: number | undefined;
  if (query.model) {
    const ids = await modelIdsByRef(deps.db, [query.model]);
    const id = ids.get(`${query.model.name}@${query.model.version}`);
    if (id === undefined)
      fail('model_not_found', `There is no model ${query.model.name}@${query.model.version}.`, 'model');
    modelId = id;
  }
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rows = await listObservationRows(deps.db, {
    ...(modelId === undefined ? {} : { modelId }),
    ...(query.rating ? { rating: query.rating } : {}),
    ...(query.status ? { status: query.status } : {}),
    limit: limit + 1,
    ...(after ? { after } : {}),
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    observations: await present(deps.db, page),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

export async function getObservation(deps: ServiceDeps, id: number): Promise<Observation> {
  const row = await getObservationRow(deps.db, id);
  if (!row) return fail('observation_not_found', `There is no observation ${id}.`, 'id');
  return (await present(deps.db, [row]))[0] as Observation;
}

/** One rater's rating of an observation; null withdraws it. */
export async function rateObservation(
  deps: ServiceDeps,
  input: { id: number; rating: Rating | null; rater?: string | null },
): Promise<Observation> {
  const ok = await setRating(deps.db, {
    observationId: input.id,
    rater: input.rater ?? API_RATER,
    rating: input.rating,
    source: 'api',
  });
  if (!ok) fail('observation_not_found', `There is no observation ${input.id}.`, 'id');
  return getObservation(deps, input.id);
}

/** Retention: untriaged observations older than `days` go; triaged ones (linked to patterns, dismissed) stay. */
export async function pruneObservations(
  deps: Pick<ServiceDeps, 'db' | 'log' | 'now'>,
  days: number,
): Promise<number> {
  if (days <= 0) return 0;
  const before = new Date(deps.now().getTime() - days * 24 * 3600 * 1000);
  const removed = await pruneUntriaged(deps.db, before);
  deps.log.info({ removed, before: before.toISOString() }, 'old untriaged observations removed');
  return removed;
}

export async function present(db: Db, rows: readonly ObservationRow[]): Promise<Observation[]> {
  const ids = [...new Set(rows.flatMap((r) => (r.modelId === null ? [] : [r.modelId])))];
  const models = new Map((await getModelsByIds(db, ids)).map((m) => [m.id, formatModelRef(m)]));
  return rows.map((r) => ({
    id: r.id,
    model: r.modelId === null ? null : (models.get(r.modelId) ?? null),
    input: r.input,
    output: r.output,
    at: r.at.toISOString(),
    user: r.userId,
    comment: r.comment,
    metadata: r.metadata,
    externalId: r.externalId,
    slack: r.slackChannel && r.slackTs ? { channel: r.slackChannel, ts: r.slackTs } : null,
    ratings: { up: r.ups, down: r.downs },
    status: r.status,
    patternId: r.patternId,
    dismissReason: r.dismissReason,
  }));
}

/** Opaque to clients: the (at, id) of the last row shown. */
export function encodeCursor(row: { at: Date; id: number }): string {
  return Buffer.from(`${row.at.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: number } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  const n = Number(id);
  if (Number.isNaN(date.getTime()) || !Number.isSafeInteger(n) || n <= 0)
    invalid('The cursor is not one this API gave out; start again without it.', 'cursor');
  return { at: date, id: n };
}
