import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CanaryError } from '../../../core/errors.ts';
import { formatRate } from '../../../core/metrics.ts';
import { parseThreshold } from '../../../core/problem.ts';
import { updateProblem } from '../../../services/problems.ts';
import { BLOCK } from '../../blocks/ids.ts';
import type { ThresholdMetadata } from '../../blocks/modals.ts';
import { isAdmin, type SlackContext } from '../../context.ts';
import { textValue, type ViewValues } from '../../journeys/pattern-form.ts';
import { noteInHomeThread, refreshCard } from '../../journeys/problem-data.ts';
import { parseMetadata } from '../../journeys/view-state.ts';
import { reportFailure } from '../../web-api/reply.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function setThresholdSubmission(ctx: SlackContext) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const meta = parseMetadata<ThresholdMetadata>(view.private_metadata);
    const values = view.state.values as ViewValues;
    const user = body.user.id;
    // Checked again here: the button may have been pressed before the admin list changed.
    if (!isAdmin(ctx.settings, user)) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.threshold]: 'Only Canary admins (CANARY_ADMINS) can change thresholds.' },
      });
      return;
    }
    const text = textValue(values, BLOCK.threshold);
    const parsed = text === '' ? ({ ok: true, value: null } as const) : parseThreshold(text);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: { [BLOCK.threshold]: parsed.error } });
      return;
    }
    try {
      const problem = await updateProblem(ctx.deps, meta.key ?? '', { threshold: parsed.value });
      await ack();
      const said =
        parsed.value === null
          ? 'removed the threshold (no longer gated)'
          : `set the threshold to ${formatRate(parsed.value)}`;
      await noteInHomeThread(ctx, problem, `:dart: <@${user}> ${said}.`);
      await refreshCard(ctx, problem);
    } catch (error) {
      if (error instanceof CanaryError) {
        await ack({ response_action: 'errors', errors: { [BLOCK.threshold]: error.message } });
        return;
      }
      await ack();
      await reportFailure(ctx, { client, channel: meta.channel, user }, error, 'set threshold');
    }
  };
}
