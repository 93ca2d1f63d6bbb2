import { parseModelRef } from '../core/model.ts';
import type { Rating } from '../core/observation.ts';
import { instantOfTs } from '../core/rating-emoji.ts';
import {
  findObservationBySlack,
  insertObservations,
  modelIdsByRef,
  setRating,
} from '../db/queries/observations.ts';
import type { ServiceDeps } from './deps.ts';
import { inputHash } from './observations.ts';

/** A rated Slack message as the listener read it (the message itself only when it had to be fetched). */
export interface RatedMessage {
  channel: string;
  ts: string;
  rater: string;
  rating: Rating;
}

export interface MessageDetails {
  text: string | null;
  /** The parent's text when the rated message is a reply: the question it answered. */
  parentText: string | null;
  /** bot_id, else user id of the sender. */
  senders: string[];
}

export type RatingOutcome =
  | { kind: 'rated'; observationId: number; modelId: number | null; created: boolean }
  | { kind: 'ignored'; reason: string };

/**
 * Rates the observation a Slack message is. Known messages (observation cards, outputs posted with
 * metadata, earlier-rated ones) are found by channel + ts without calling Slack; otherwise `details` is asked
 * for once and a new observation is recorded, tied to a model when its sender is in CANARY_RATED_BOTS and
 * unattributed otherwise.
 */
export async function rateSlackMessage(
  deps: ServiceDeps,
  input: RatedMessage,
  opts: {
    ratedBots: Record<string, string>;
    /** Reads the message; null when Slack would not give it. Skipped when the observation exists. */
    details: () => Promise<MessageDetails | null>;
    /** Canary's own messages that are not observation cards are not outputs of any model. */
    isOwnMessage: (details: MessageDetails) => boolean;
  },
): Promise<RatingOutcome> {
  let row = await findObservationBySlack(deps.db, input.channel, input.ts);
  let created = false;
  if (!row) {
    const details = await opts.details();
    if (details && opts.isOwnMessage(details)) return { kind: 'ignored', reason: 'canary message' };
    const modelId = await modelOfSenders(deps, details?.senders ?? [], opts.ratedBots);
    const input_ = details?.parentText ?? null;
    const [outcome] = await insertObservations(deps.db, [
      {
        modelId,
        input: input_,
        output: details?.text ?? null,
        inputHash: inputHash(input_),
        at: instantOfTs(input.ts) ?? deps.now(),
        userId: null,
        comment: null,
        metadata: {},
        externalId: null,
        slackChannel: input.channel,
        slackTs: input.ts,
        rating: null,
      },
    ]);
    created = outcome?.created ?? false;
    row = await findObservationBySlack(deps.db, input.channel, input.ts);
    if (!row) return { kind: 'ignored', reason: 'observation vanished' };
  }
  await setRating(deps.db, {
    observationId: row.id,
    rater: input.rater,
    rating: input.rating,
    source: 'slack',
  });
  return { kind: 'rated', observationId: row.id, modelId: row.modelId, created };
}

/** A removed reaction withdraws that person's rating, but only if it is still the one they gave. */
export async function withdrawSlackRating(deps: ServiceDeps, input: RatedMessage): Promise<boolean> {
  const row = await findObservationBySlack(deps.db, input.channel, input.ts);
  if (!row) return false;
  await setRating(deps.db, {
    observationId: row.id,
    rater: input.rater,
    rating: null,
    source: 'slack',
    onlyIf: input.rating,
  });
  return true;
}

async function modelOfSenders(
  deps: ServiceDeps,
  senders: readonly string[],
  ratedBots: Record<string, string>,
): Promise<number | null> {
  const ref = senders.map((s) => ratedBots[s]).find((r): r is string => r !== undefined);
  if (!ref) return null;
  const parsed = parseModelRef(ref);
  if (!parsed.ok) return null;
  const ids = await modelIdsByRef(deps.db, [parsed.value]);
  const id = ids.get(`${parsed.value.name}@${parsed.value.version}`);
  if (id === undefined)
    deps.log.warn({ model: ref }, 'CANARY_RATED_BOTS names a model that is not registered');
  return id ?? null;
}
