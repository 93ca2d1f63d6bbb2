import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CanaryError } from '../../../core/errors.ts';
import { escapeSlack } from '../../../core/text.ts';
import { dismissObservation, triageState } from '../../../services/triage.ts';
import { BLOCK } from '../../blocks/ids.ts';
import { DISMISS_REASONS, type TriageModalMetadata } from '../../blocks/triage-modals.ts';
import type { SlackContext } from '../../context.ts';
import { publishHome } from '../../journeys/home.ts';
import { selectedValue, textValue, type ViewValues } from '../../journeys/pattern-form.ts';
import { alreadyTriaged, observationIdOf } from '../../journeys/triage.ts';
import { parseMetadata } from '../../journeys/view-state.ts';
import { replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The reason kept on the observation: the chosen label, and the note when there is one. */
function reasonOf(values: ViewValues): { reason: string } | { error: string } {
  const chosen = DISMISS_REASONS.find(([value]) => value === selectedValue(values, BLOCK.dismissReason));
  const note = textValue(values, BLOCK.dismissNote);
  if (!chosen) return { error: 'Pick a reason.' };
  if (chosen[0] === 'other') return note === '' ? { error: 'Say why, in the note.' } : { reason: note };
  return { reason: note === '' ? chosen[1] : `${chosen[1]}: ${note}` };
}

/** Takes a complaint (and its identical inputs) off the queue with the reason, before ack. */
export function triageDismissSubmission(ctx: SlackContext) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const meta = parseMetadata<TriageModalMetadata>(view.private_metadata);
    const values = view.state.values as ViewValues;
    const user = body.user.id;
    const id = observationIdOf(meta.observationId);
    if (id === null) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.dismissReason]: 'This form no longer names an observation.' },
      });
      return;
    }
    const reason = reasonOf(values);
    if ('error' in reason) {
      const block = reason.error === 'Pick a reason.' ? BLOCK.dismissReason : BLOCK.dismissNote;
      await ack({ response_action: 'errors', errors: { [block]: reason.error } });
      return;
    }
    let dismissed: number;
    try {
      const state = await triageState(ctx.deps, id);
      if (state.triaged) {
        await ack({ response_action: 'errors', errors: { [BLOCK.dismissReason]: alreadyTriaged(state) } });
        return;
      }
      ({ dismissed } = await dismissObservation(ctx.deps, {
        observationId: id,
        reason: reason.reason,
        by: user,
      }));
    } catch (error) {
      if (error instanceof CanaryError) {
        await ack({ response_action: 'errors', errors: { [BLOCK.dismissNote]: error.message } });
        return;
      }
      await ack();
      await reportFailure(ctx, { client, channel: meta.channel, user }, error, 'triage dismiss');
      return;
    }
    await ack();
    const others = dismissed > 1 ? ` with ${dismissed - 1} identical complaint(s)` : '';
    await replyEphemeral(
      ctx,
      { client, channel: meta.channel, user },
      `:wastebasket: Dismissed observation #${id}${others}: ${escapeSlack(reason.reason)}.`,
    );
    await publishHome(ctx, client, user).catch((err: unknown) =>
      ctx.log.warn({ err, user }, 'App Home not refreshed after dismissal'),
    );
  };
}
