import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { triageState } from '../../../services/triage.ts';
import { triagePatternModal } from '../../blocks/triage-modals.ts';
import type { SlackContext } from '../../context.ts';
import { hasOpenProblems } from '../../journeys/problem-data.ts';
import { alreadyTriaged, modalObservation, observationIdOf } from '../../journeys/triage.ts';
import { replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** A triage line's "Add as pattern": the pattern modal, prefilled from the complaint, unless it is already handled. */
export function triageAddPatternAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    const to = { respond, client, channel, user: body.user.id };
    try {
      const id = observationIdOf(action.value);
      if (id === null) return replyEphemeral(ctx, to, 'That button no longer names an observation.');
      // Two reads before views.open: the trigger id lives 3 seconds.
      const [state, anyOpen] = await Promise.all([triageState(ctx.deps, id), hasOpenProblems(ctx.deps)]);
      if (state.triaged) return replyEphemeral(ctx, to, alreadyTriaged(state));
      await client.views.open({
        trigger_id: body.trigger_id,
        view: triagePatternModal({
          observation: modalObservation(state),
          hasOpenProblems: anyOpen,
          metadata: { observationId: id, ...(channel ? { channel } : {}) },
        }),
      });
    } catch (error) {
      await reportFailure(ctx, to, error, 'triage add as pattern');
    }
  };
}
