import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { triageState } from '../../../services/triage.ts';
import { dismissModal } from '../../blocks/triage-modals.ts';
import type { SlackContext } from '../../context.ts';
import { alreadyTriaged, modalObservation, observationIdOf } from '../../journeys/triage.ts';
import { replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** A triage line's "Dismiss": a small modal asking why, unless the complaint is already handled. */
export function triageDismissAction(ctx: SlackContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    const to = { respond, client, channel, user: body.user.id };
    try {
      const id = observationIdOf(action.value);
      if (id === null) return replyEphemeral(ctx, to, 'That button no longer names an observation.');
      const state = await triageState(ctx.deps, id);
      if (state.triaged) return replyEphemeral(ctx, to, alreadyTriaged(state));
      await client.views.open({
        trigger_id: body.trigger_id,
        view: dismissModal({
          observation: modalObservation(state),
          metadata: { observationId: id, ...(channel ? { channel } : {}) },
        }),
      });
    } catch (error) {
      await reportFailure(ctx, to, error, 'triage dismiss');
    }
  };
}
