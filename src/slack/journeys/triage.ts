import type { TriageState } from '../../services/triage.ts';
import type { TriagedObservation } from '../blocks/triage-modals.ts';

/** Observation ids travel as button values; anything else is a forged or stale payload. */
export function observationIdOf(value: string | number | undefined): number | null {
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

export function modalObservation(state: TriageState): TriagedObservation {
  const o = state.observation;
  return { id: o.id, input: o.input, output: o.output, model: o.model, count: state.groupSize };
}

/** The answer to a click on a complaint someone already handled: who, when and how, so nobody redoes it. */
export function alreadyTriaged(state: TriageState): string {
  const t = state.triaged;
  if (!t) return '';
  const who = t.by ? `<@${t.by}>` : 'someone';
  const when = t.at ? ` on ${t.at.slice(0, 16).replace('T', ' ')} UTC` : '';
  const how =
    t.status === 'patterned'
      ? `turned it into pattern #${state.observation.patternId}`
      : `dismissed it (${state.observation.dismissReason ?? 'no reason given'})`;
  return `Observation #${state.observation.id} is already triaged: ${who} ${how}${when}. Nothing was changed.`;
}
