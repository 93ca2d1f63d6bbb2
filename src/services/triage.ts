import type { Expectation } from '../core/expectations/handler.ts';
import { isPlainObject } from '../core/json.ts';
import type { Pattern } from '../core/pattern.ts';
import {
  getObservationRow,
  markTriaged,
  untriagedComplaintIdsWithInput,
  untriagedComplaints,
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
  /** Every untriaged observation in the group, newest first. */
  ids: number[];
  models: string[];
}

/** How many complaints the queue reads before grouping: the partial index keeps this cheap. */
const QUEUE_SCAN = 2_000;

/** 👎 observations nobody has triaged yet, newest first, identical inputs grouped. */
export async function triageQueue(deps: ServiceDeps, opts: { limit?: number } = {}): Promise<TriageGroup[]> {
  const rows = await untriagedComplaints(deps.db, QUEUE_SCAN);
  const shown = await present(deps.db, rows);
  const groups = new Map<string, TriageGroup>();
  for (const [i, o] of shown.entries()) {
    const key = rows[i]?.inputHash ?? `id:${o.id}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { observation: o, count: 1, ids: [o.id], models: o.model ? [o.model] : [] });
      continue;
    }
    group.count += 1;
    group.ids.push(o.id);
    if (o.model && !group.models.includes(o.model)) group.models.push(o.model);
  }
  return [...groups.values()].slice(0, opts.limit ?? 20);
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
