import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CanaryError } from '../../../core/errors.ts';
import { parseThreshold } from '../../../core/problem.ts';
import { escapeSlack } from '../../../core/text.ts';
import { createProblem } from '../../../services/problems.ts';
import { BLOCK } from '../../blocks/ids.ts';
import type { NewProblemMetadata } from '../../blocks/modals.ts';
import { isAdmin, type SlackContext } from '../../context.ts';
import { userMessageFor } from '../../errors.ts';
import { selectedValue, textValue, type ViewValues } from '../../journeys/pattern-form.ts';
import { announceProblem } from '../../journeys/problem-data.ts';
import { errorBlockFor, parseMetadata } from '../../journeys/view-state.ts';
import { replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** `/problem new` without a title: the modal's answer creates the problem and posts its card where it was asked. */
export function newProblemSubmission(ctx: SlackContext) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const meta = parseMetadata<NewProblemMetadata>(view.private_metadata);
    const values = view.state.values as ViewValues;
    const user = body.user.id;
    const thresholdText = textValue(values, BLOCK.threshold);
    // Checked here, not only by leaving the field out of the form: a crafted submission can still carry one.
    if (thresholdText !== '' && !isAdmin(ctx.settings, user)) {
      await ack({
        response_action: 'errors',
        errors: {
          [BLOCK.threshold]:
            'Only Canary admins (CANARY_ADMINS) can set a threshold; leave it empty and ask an admin to set one.',
        },
      });
      return;
    }
    const threshold = thresholdText === '' ? null : parseThreshold(thresholdText);
    if (threshold && !threshold.ok) {
      await ack({ response_action: 'errors', errors: { [BLOCK.threshold]: threshold.error } });
      return;
    }
    let problem: Awaited<ReturnType<typeof createProblem>>;
    try {
      problem = await createProblem(ctx.deps, {
        title: textValue(values, BLOCK.title),
        description: textValue(values, BLOCK.description),
        severity: selectedValue(values, BLOCK.severity) ?? 'medium',
        threshold: threshold ? threshold.value : null,
        creatorId: user,
      });
    } catch (error) {
      if (error instanceof CanaryError) {
        const block = errorBlockFor(values, [error.field ?? ''], BLOCK.title);
        await ack({ response_action: 'errors', errors: { [block]: error.message } });
        return;
      }
      await ack();
      await reportFailure(ctx, { client, channel: meta.channel, user }, error, 'new problem');
      return;
    }
    await ack();
    if (!meta.channel) return;
    try {
      await announceProblem(ctx, problem, meta.channel);
    } catch (error) {
      await replyEphemeral(
        ctx,
        { client, channel: meta.channel, user },
        `:warning: Created ${problem.key}, but its card could not be posted: ${escapeSlack(userMessageFor(error))}`,
      );
    }
  };
}
