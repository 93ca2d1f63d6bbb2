import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CanaryError } from '../../../core/errors.ts';
import { markPatterned, triageState } from '../../../services/triage.ts';
import { BLOCK } from '../../blocks/ids.ts';
import { mrkdwnSection } from '../../blocks/limits.ts';
import type { TriageModalMetadata } from '../../blocks/triage-modals.ts';
import type { SlackContext } from '../../context.ts';
import { publishHome } from '../../journeys/home.ts';
import { readPatternForm, type ViewValues } from '../../journeys/pattern-form.ts';
import { type PersistedPattern, persistPattern } from '../../journeys/save-pattern.ts';
import { alreadyTriaged, observationIdOf } from '../../journeys/triage.ts';
import { errorBlockFor, PATTERN_FIELD_BLOCKS, parseMetadata } from '../../journeys/view-state.ts';
import { permalinkOf, within } from '../../web-api/permalink.ts';
import { replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const PERMALINK_BUDGET_MS = 800;

/**
 * Saves the pattern made from a complaint and takes the complaint (with its identical inputs) off the queue,
 * before ack, so refusals land on their fields. The pattern is `production`, its source the rated Slack
 * message's permalink (else `observation:<id>`), and the observation points at it. An input and expectation
 * already saved link the complaint to the existing pattern rather than making a second one.
 */
export function triagePatternSubmission(ctx: SlackContext) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const meta = parseMetadata<TriageModalMetadata>(view.private_metadata);
    const values = view.state.values as ViewValues;
    const user = body.user.id;
    const id = observationIdOf(meta.observationId);
    if (id === null) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.input]: 'This form no longer names an observation.' },
      });
      return;
    }
    const form = readPatternForm(values, { maxInputBytes: ctx.deps.limits.maxInputBytes });
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    const f = form.value;
    let saved: PersistedPattern;
    let lookup: Promise<string | null> = Promise.resolve(null);
    let linked: number;
    try {
      const state = await triageState(ctx.deps, id);
      if (state.triaged) {
        await ack({ response_action: 'errors', errors: { [BLOCK.input]: alreadyTriaged(state) } });
        return;
      }
      const slack = state.observation.slack;
      if (slack) lookup = permalinkOf(ctx, client, slack.channel, slack.ts);
      saved = await persistPattern(ctx, {
        problemKey: f.problemKey,
        newProblemTitle: f.newProblemTitle || undefined,
        input: f.input,
        expectation: f.expectation,
        polarity: f.polarity,
        notes: f.notes,
        source: 'production',
        sourceChannel: slack?.channel,
        sourceTs: slack?.ts,
        permalink: await within(lookup, PERMALINK_BUDGET_MS),
        sourceRef: `observation:${id}`,
        userId: user,
        announceChannel: meta.channel,
      });
      linked = await markPatterned(ctx.deps, { observationId: id, patternId: saved.pattern.id, by: user });
    } catch (error) {
      if (error instanceof CanaryError) {
        const block = errorBlockFor(values, PATTERN_FIELD_BLOCKS[error.field ?? ''] ?? [], BLOCK.input);
        await ack({ response_action: 'errors', errors: { [block]: error.message } });
        return;
      }
      await ack();
      await reportFailure(ctx, { client, channel: meta.channel, user }, error, 'triage pattern');
      return;
    }
    await ack();
    const { pattern, problem, created } = saved;
    const what = created
      ? `:white_check_mark: Saved pattern #${pattern.id} in ${problem.key} from observation #${id}; every model will be checked on it.`
      : `:link: The same pattern already exists (#${pattern.id} in ${problem.key}); observation #${id} is now linked to it.`;
    const left = linked > 1 ? ` ${linked} identical complaints left the queue.` : '';
    await replyEphemeral(
      ctx,
      { client, channel: meta.channel, user },
      { text: `${what}${left}`, blocks: [mrkdwnSection(`${what}${left}`)] },
    );
    await saved.announce({ permalink: await lookup });
    await publishHome(ctx, client, user).catch((err: unknown) =>
      ctx.log.warn({ err, user }, 'App Home not refreshed after triage'),
    );
  };
}
