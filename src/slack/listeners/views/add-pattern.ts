import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CanaryError } from '../../../core/types.ts';
import { BLOCK } from '../../blocks/ids.ts';
import type { AddPatternMetadata } from '../../blocks/modals.ts';
import type { SlackContext } from '../../context.ts';
import { readPatternForm, type ViewValues } from '../../pattern-form.ts';
import { replyEphemeral, reportFailure } from '../../reply.ts';
import { savePattern } from '../../save-pattern.ts';
import { errorBlockFor, parseMetadata } from '../../view-state.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const FIELD_BLOCKS: Record<string, string[]> = {
  input: [BLOCK.input],
  expect: [BLOCK.expectValue],
  expectation: [BLOCK.expectValue],
  polarity: [BLOCK.polarity],
  notes: [BLOCK.notes],
  problem: [BLOCK.problem, BLOCK.newProblemTitle],
  title: [BLOCK.newProblemTitle, BLOCK.problem],
};

/**
 * Saves the modal's pattern before answering, so a refusal (unknown problem, bad input, duplicate) is shown
 * on the field it concerns and the modal stays open. Only database work happens before ack: well under 3 s.
 */
export function addPatternSubmission(ctx: SlackContext) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const meta = parseMetadata<AddPatternMetadata>(view.private_metadata);
    const values = view.state.values as ViewValues;
    const user = body.user.id;
    const form = readPatternForm(values, {
      fixedProblemKey: meta.problemKey,
      maxInputBytes: ctx.deps.limits.maxInputBytes,
    });
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    const f = form.value;
    let saved: Awaited<ReturnType<typeof savePattern>>;
    try {
      const permalink = meta.source ? await permalinkOf(client, meta.source.channel, meta.source.ts) : null;
      saved = await savePattern(ctx, {
        problemKey: f.problemKey,
        newProblemTitle: f.newProblemTitle || undefined,
        input: f.input,
        expectation: f.expectation,
        polarity: f.polarity,
        notes: f.notes,
        source: meta.source ? 'production' : 'contrived',
        sourceChannel: meta.source?.channel,
        sourceTs: meta.source?.ts,
        permalink,
        userId: user,
        announceChannel: meta.channel,
      });
    } catch (error) {
      if (error instanceof CanaryError) {
        const block = errorBlockFor(values, FIELD_BLOCKS[error.field ?? ''] ?? [], BLOCK.input);
        await ack({ response_action: 'errors', errors: { [block]: error.message } });
        return;
      }
      await ack();
      await reportFailure(ctx, { client, channel: meta.channel, user }, error, 'add pattern');
      return;
    }
    if (!saved.created) {
      const what = meta.source ? 'This message is already' : 'The same input and expectation are already';
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.input]: `${what} pattern #${saved.pattern.id} in ${saved.problem.key}.` },
      });
      return;
    }
    await ack();
    await replyEphemeral(
      ctx,
      { client, channel: meta.channel, user },
      `:white_check_mark: Saved pattern #${saved.pattern.id} in ${saved.problem.key}. Every model will be checked on it.`,
    );
  };
}

async function permalinkOf(client: Args['client'], channel: string, ts: string): Promise<string | null> {
  try {
    return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink ?? null;
  } catch {
    return null;
  }
}
