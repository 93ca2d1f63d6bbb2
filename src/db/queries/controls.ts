import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { controlEvents } from '../schema.ts';

export type ControlAction =
  | 'model.retire'
  | 'model.restore'
  | 'pattern.deactivate'
  | 'pattern.reactivate'
  | 'pattern.edit';

export interface ControlEvent {
  id: number;
  action: ControlAction;
  subjectType: 'model' | 'pattern';
  subjectId: number;
  actor: string | null;
  details: Record<string, unknown>;
  at: Date;
}

/** Call in the transaction that makes the change, so the record and the change commit together. */
export async function insertControlEvent(
  db: Db,
  event: Omit<ControlEvent, 'id' | 'at'> & { at: Date },
): Promise<void> {
  await db.insert(controlEvents).values(event);
}

export async function controlEventsOf(
  db: Db,
  subjectType: ControlEvent['subjectType'],
  subjectId: number,
): Promise<ControlEvent[]> {
  const rows = await db
    .select()
    .from(controlEvents)
    .where(and(eq(controlEvents.subjectType, subjectType), eq(controlEvents.subjectId, subjectId)))
    .orderBy(asc(controlEvents.id));
  return rows.map((r) => ({
    ...r,
    action: r.action as ControlAction,
    subjectType: r.subjectType as ControlEvent['subjectType'],
    details: (r.details ?? {}) as Record<string, unknown>,
  }));
}
