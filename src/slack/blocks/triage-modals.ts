import type { KnownBlock, ModalView } from '@slack/types';
import { truncate } from '../../core/text.ts';
import { BLOCK, VIEW } from './ids.ts';
import { LIMITS, mrkdwnSection, safe } from './limits.ts';
import { addPatternModal, modal, option, select, textInput } from './modals.ts';

export interface TriageModalMetadata {
  observationId: number;
  /** Where to confirm (the channel of /problem triage; none from App Home: a DM then). */
  channel?: string;
}

export interface TriagedObservation {
  id: number;
  input: unknown;
  output: unknown;
  model: string | null;
  count: number;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** Add as pattern from a complaint: the add-pattern fields, prefilled with the input, the bad output shown above. */
export function triagePatternModal(input: {
  observation: TriagedObservation;
  hasOpenProblems: boolean;
  metadata: TriageModalMetadata;
}): ModalView {
  const o = input.observation;
  const who = o.model ? safe(o.model, 200) : 'an unattributed message';
  const intro: KnownBlock[] = [
    mrkdwnSection(
      `Observation *#${o.id}* (${who}), rated 👎 ${o.count === 1 ? 'once' : `on ${o.count} identical inputs`}. The model answered:\n>${safe(asText(o.output).replace(/\n/g, ' '), 2_000)}`,
    ),
    mrkdwnSection('Say what it should have answered; the pattern is back-filled on every model.'),
  ];
  return addPatternModal({
    metadata: input.metadata,
    hasOpenProblems: input.hasOpenProblems,
    allowNewProblem: true,
    initialInput: truncate(asText(o.input), LIMITS.inputInitialValue),
    initialFormat: typeof o.input === 'string' ? 'text' : 'json',
    initialNotes: truncate(`From observation #${o.id}; the model answered: ${asText(o.output)}`, 1_000),
    intro,
    callbackId: VIEW.triagePattern,
  });
}

/** Why a complaint is not a model problem; kept on the observation as label (and note). */
export const DISMISS_REASONS = [
  ['not_model', 'Not a model problem'],
  ['user_error', 'The user’s mistake'],
  ['spam', 'Spam or a test'],
  ['covered', 'Already covered by a pattern'],
  ['other', 'Other (say below)'],
] as const;

export function dismissModal(input: {
  observation: TriagedObservation;
  metadata: TriageModalMetadata;
}): ModalView {
  const o = input.observation;
  const reasons = DISMISS_REASONS.map(([value, text]) => option(text, value));
  return modal(
    VIEW.triageDismiss,
    'Dismiss complaint',
    'Dismiss',
    [
      mrkdwnSection(
        `Observation *#${o.id}*${o.count > 1 ? ` and ${o.count - 1} identical` : ''}: “${safe(asText(o.input).replace(/\s+/g, ' '), 300)}”`,
      ),
      select(BLOCK.dismissReason, 'Reason', reasons, reasons[0]),
      textInput(BLOCK.dismissNote, 'Note', { optional: true, multiline: true, max: 900 }),
    ],
    input.metadata,
  );
}
