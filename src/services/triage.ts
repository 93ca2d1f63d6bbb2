import type { Expectation } from '../core/expectations/handler.ts';
import { isPlainObject } from '../core/json.ts';
import { formatModelRef } from '../core/model.ts';
import type { Pattern } from '../core/pattern.ts';
import { getModelsByIds } from '../db/queries/models.ts';
import {
  getObservationRow,
  getObservationsByIds,
  markTriaged,
  untriagedComplaintGroups,
  untriagedComplaintIdsWithInput,
} from '../db/queries/observations.ts';
import type { ServiceDeps } from './deps.ts';
import { fail, invalid } from './errors.ts';
import { type Observation, present } from './observations.ts';
import { addPattern } from './patterns.ts';

/** Identical inputs rated 👎, shown once with how often users complained. */
export interface TriageGroup {
  /** The newest observation of the group: what the buttons act on. */
  observation: Observation;
  count: number;
  /** The group's untriaged observations, newest first (the newest 100 of a bigger group). */
  ids: number[];
  models: string[];
}

export interface TriageQueue {
  groups: TriageGroup[];
  /** The whole queue, not only the groups returned: Slack says "5 of 1 234". */
  totalGroups: number;
  totalObservations: number;
}

/** 👎 observations nobody has triaged yet, newest first, identical inputs grouped. */
export async function triageQueue(deps: ServiceDeps, opts: { limit?: number } = {}): Promise<TriageGroup[]> {
  return (await triageOverview(deps, opts)).groups;
}

/** The queue with its totals; only `limit` groups are read, so 10 000 complaints cost what 10 do to show. */
export async function triageOverview(deps: ServiceDeps, opts: { limit?: number } = {}): Promise<TriageQueue> {
  const rows = await untriagedComplaintGroups(deps.db, opts.limit ?? 20);
  const newest = await getObservationsByIds(
    deps.db,
    rows.map((r) => r.newestId),
  );
  const shown = new Map((await present(deps.db, newest)).map((o) => [o.id, o]));
  const modelIds = [...new Set(rows.flatMap((r) => r.modelIds.filter((m): m is number => m !== null)))];
  const refs = new Map((await getModelsByIds(deps.db, modelIds)).map((m) => [m.id, formatModelRef(m)]));
  const groups = rows.flatMap((r) => {
    const observation = shown.get(r.newestId);
    if (!observation) return [];
    const models = [...new Set(r.modelIds.flatMap((m) => (m === null ? [] : [refs.get(m) ?? `model ${m}`])))];
    return [{ observation, count: r.count, ids: r.ids, models }];
  });
  return {
    groups,
    totalGroups: rows[0]?.totalGroups ?? 0,
    totalObservations: rows[0]?.totalObservations ?? 0,
  };
}

export interface PatternFromObservation {
  observationId: number;
  /** Problem key or title. */
  problem: string;
  expectation: Expectation | unknown;
  notes?: string;
  by: string | null;
  /** The Slack permalink of the rated message, when the caller could get one. */
  permalink?: string | null;
}

/**
 * Turns a complaint into a production pattern (back-filled on every model, as any new pattern) and marks
 * every untriaged observation with the same input as patterned, linked to it.
 */
export async function patternFromObservation(
  deps: ServiceDeps,
  input: PatternFromObservation,
): Promise<{ pattern: Pattern; created: boolean; linked: number }> {
  const row = await getObservationRow(deps.db, input.observationId);
  if (!row) return fail('observation_not_found', `There is no observation ${input.observationId}.`, 'id');
  if (row.input === null || (typeof row.input !== 'string' && !isPlainObject(row.input)))
    invalid(
      `Observation ${row.id} has no input (a Slack message rated outside a thread); write the input in the pattern instead.`,
      'input',
    );
  const { pattern, created } = await addPattern(
    deps,
    {
      problem: input.problem,
      input: row.input as string | Record<string, unknown>,
      expectation: input.expectation as Expectation,
      polarity: 'positive',
      source: 'production',
      notes: input.notes ?? `From observation ${row.id}: the model answered ${JSON.stringify(row.output)}.`,
      sourceRef: input.permalink ?? `observation:${row.id}`,
    },
    { creatorId: input.by },
  );
  const linked = await markGroup(deps, row, {
    status: 'patterned',
    by: input.by,
    at: deps.now(),
    patternId: pattern.id,
  });
  return { pattern, created, linked };
}

/** Not a model problem (spam, a user's mistake): the group leaves the queue with the reason kept. */
export async function dismissObservation(
  deps: ServiceDeps,
  input: { observationId: number; reason: string; by: string | null },
): Promise<{ dismissed: number }> {
  const reason = input.reason.trim();
  if (reason === '')
    invalid('Say why it is dismissed, so the next person does not triage it again.', 'reason');
  if (reason.length > 1000) invalid('The reason is longer than 1000 characters.', 'reason');
  const row = await getObservationRow(deps.db, input.observationId);
  if (!row) return fail('observation_not_found', `There is no observation ${input.observationId}.`, 'id');
  const dismissed = await markGroup(deps, row, { status: 'dismissed', by: input.by, at: deps.now(), reason });
  return { dismissed };
}

async function markGroup(
  deps: ServiceDeps,
  row: { id: number; inputHash: string | null },
  values: Parameters<typeof markTriaged>[2],
): Promise<number> {
  const ids =
    row.inputHash === null ? [row.id] : await untriagedComplaintIdsWithInput(deps.db, row.inputHash);
  if (!ids.includes(row.id)) ids.push(row.id);
  return markTriaged(deps.db, ids, values);
}

/** Who took a complaint off the queue, and how; shown to the next person who clicks on it. */
export interface TriageState {
  observation: Observation;
  /** Untriaged 👎 observations with the same input, this one included (1 when it stands alone). */
  groupSize: number;
  triaged: { status: 'patterned' | 'dismissed'; by: string | null; at: string | null } | null;
}

export async function triageState(deps: ServiceDeps, observationId: number): Promise<TriageState> {
  const row = await getObservationRow(deps.db, observationId);
  if (!row) return fail('observation_not_found', `There is no observation ${observationId}.`, 'id');
  const [observation] = await present(deps.db, [row]);
  if (!observation) throw new Error(`observation ${row.id} could not be presented`);
  const group = row.inputHash === null ? [] : await untriagedComplaintIdsWithInput(deps.db, row.inputHash);
  return {
    observation,
    groupSize: Math.max(1, group.length),
    triaged:
      row.status === 'untriaged'
        ? null
        : { status: row.status, by: row.triagedBy, at: row.triagedAt?.toISOString() ?? null },
  };
}

/**
 * Links a complaint (and every untriaged one with the same input) to the pattern made from it, for callers
 * that saved the pattern themselves (Slack's modal). Returns how many left the queue: 0 when someone else
 * triaged them first.
 */
export async function markPatterned(
  deps: ServiceDeps,
  input: { observationId: number; patternId: number; by: string | null },
): Promise<number> {
  const row = await getObservationRow(deps.db, input.observationId);
  if (!row) return fail('observation_not_found', `There is no observation ${input.observationId}.`, 'id');
  return markGroup(deps, row, {
    status: 'patterned',
    by: input.by,
    at: deps.now(),
    patternId: input.patternId,
  });
}
