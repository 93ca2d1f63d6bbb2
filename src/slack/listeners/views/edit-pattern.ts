import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CanaryError } from '../../../core/errors.ts';
import { describeExpectation } from '../../../core/expectations/index.ts';
import { editPattern, getPattern } from '../../../services/patterns.ts';
import { getProblemOrThrowById } from '../../../services/problems.ts';
import { BLOCK } from '../../blocks/ids.ts';
import type { EditPatternMetadata } from '../../blocks/pattern-edit.ts';
import { isAdmin, type SlackContext } from '../../context.ts';
import { readPatternForm, type ViewValues } from '../../journeys/pattern-form.ts';
import { noteInHomeThread, refreshCard } from '../../journeys/problem-data.ts';
import { inputPreview } from '../../journeys/save-pattern.ts';
import { errorBlockFor, PATTERN_FIELD_BLOCKS, parseMetadata } from '../../journeys/view-state.ts';
import { replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * Saves an edit before answering, so a refusal shows on its field and the modal stays open. Admins only,
 * checked again here (the button is on a message anyone sees); an edit made by someone else since the form
 * opened is refused rather than silently overwritten.
 */
export function editPatternSubmission(ctx: SlackContext) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const meta = parseMetadata<EditPatternMetadata>(view.private_metadata);
    const values = view.state.values as ViewValues;
    const user = body.user.id;
    const refuse = (message: string, block: string = BLOCK.input) =>
      ack({ response_action: 'errors', errors: { [block]: message } });
    if (!isAdmin(ctx.settings, user)) {
      return refuse('Only Canary admins (CANARY_ADMINS) can edit patterns; nothing was changed.');
    }
    const patternId = Number(meta.patternId);
    const form = readPatternForm(values, {
      fixedProblemKey: 'fixed',
      maxInputBytes: ctx.deps.limits.maxInputBytes,
    });
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
    try {
      const current = await getPattern(ctx.deps, patternId);
      if (meta.revision !== undefined && current.revision !== meta.revision) {
        return refuse(
          `Pattern #${patternId} was edited since this form opened (now revision ${current.revision}); close it and edit again.`,
        );
      }
      const f = form.value;
      const edited = await editPattern(ctx.deps, patternId, {
        input: f.input,
        expectation: f.expectation,
        polarity: f.polarity,
        notes: f.notes,
        editedBy: user,
      });
      await ack();
      const problem = await getProblemOrThrowById(ctx.deps, edited.problemId);
      const revised = edited.revision !== current.revision;
      const what = revised
        ? `edited pattern #${edited.id} (revision ${edited.revision}): ${describeExpectation(edited.expectation)} on “${inputPreview(edited.input)}”. Every model is being back-filled on it.`
        : `updated the notes/polarity of pattern #${edited.id}.`;
      await replyEphemeral(ctx, { client, channel: meta.channel, user }, `${problem.key}: you ${what}`);
      await noteInHomeThread(ctx, problem, `:pencil2: <@${user}> ${what}`);
      await refreshCard(ctx, problem);
    } catch (error) {
      if (error instanceof CanaryError) {
        const block = errorBlockFor(values, PATTERN_FIELD_BLOCKS[error.field ?? ''] ?? [], BLOCK.input);
        await refuse(error.message, block);
        return;
      }
      await ack();
      await reportFailure(ctx, { client, channel: meta.channel, user }, error, 'edit pattern');
    }
  };
}
