import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CanaryError } from '../../../core/errors.ts';
import { parseExpectationShorthand } from '../../../core/expectations/index.ts';
import { isPlainObject, tryParseJson } from '../../../core/json.ts';
import type { PatternInput } from '../../../core/pattern.ts';
import { parsePatternInput } from '../../../core/pattern.ts';
import type { Proposal } from '../../../core/suggest/index.ts';
import { scheduleBackfills } from '../../../services/patterns.ts';
import { addSuggestions, type ChosenProposal, suggestForPattern } from '../../../services/suggestions.ts';
import { BLOCK, FIELD } from '../../blocks/ids.ts';
import {
  expectBlock,
  inputBlock,
  type SuggestionsMetadata,
  suggestionsAdded,
} from '../../blocks/suggestions.ts';
import type { SlackContext } from '../../context.ts';
import type { ViewValues } from '../../journeys/pattern-form.ts';
import { noteInHomeThread } from '../../journeys/problem-data.ts';
import { parseMetadata } from '../../journeys/view-state.ts';
import { replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Checkboxes = { selected_options?: { value: string }[] | null };

/**
 * "Add selected": the ticked proposals (as edited) become contrived patterns with their provenance. The
 * proposals are regenerated from the same revision and seed rather than carried in private_metadata, which
 * holds 3,000 characters: inputs can be ten times that. Written before ack so refusals show on the fields;
 * the back-fill is queued after ack.
 */
export function suggestionsSubmission(ctx: SlackContext) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const meta = parseMetadata<SuggestionsMetadata>(view.private_metadata);
    const values = view.state.values as unknown as Record<string, Record<string, Checkboxes>> & ViewValues;
    const user = body.user.id;
    const picked = (values[BLOCK.suggestPick]?.[FIELD]?.selected_options ?? []).map((o) => Number(o.value));
    if (picked.length === 0) {
      await ack({
        response_action: 'errors',
        errors: { [BLOCK.suggestPick]: 'Tick at least one case to add.' },
      });
      return;
    }
    try {
      const patternId = meta.patternId ?? 0;
      const fresh = await suggestForPattern(ctx.deps, {
        patternId,
        ...(meta.seed === undefined ? {} : { seed: meta.seed }),
        ...(meta.n ? { n: meta.n } : {}),
      });
      if (fresh.pattern.revisionId !== meta.revisionId) {
        await ack({
          response_action: 'errors',
          errors: {
            [BLOCK.suggestPick]: `Pattern #${patternId} was edited since this list was made; open the suggestions again.`,
          },
        });
        return;
      }
      const chosen: ChosenProposal[] = [];
      const errors: Record<string, string> = {};
      for (const i of picked) {
        const proposal = fresh.proposals[i];
        if (!proposal) continue;
        const read = readEdited(values, i, proposal, ctx.deps.limits.maxInputBytes);
        if (read.ok) chosen.push(read.value);
        else Object.assign(errors, read.errors);
      }
      if (Object.keys(errors).length > 0) {
        await ack({ response_action: 'errors', errors });
        return;
      }
      const result = await addSuggestions(ctx.deps, patternId, chosen, {
        creatorId: user,
        deferBackfill: true,
      });
      await ack();
      const unscheduled = await scheduleBackfills(
        ctx.deps,
        result.created.map((p) => p.revisionId),
        user,
      );
      const created = result.created.map((p) => p.id);
      await replyEphemeral(
        ctx,
        { client, channel: meta.channel, user },
        suggestionsAdded({
          patternId,
          problemKey: result.problem.key,
          created,
          existing: result.existing.map((p) => p.id),
        }),
      );
      if (created.length > 0) {
        await noteInHomeThread(
          ctx,
          result.problem,
          `:seedling: <@${user}> added ${created.length} related case(s) of #${patternId}: ${result.created
            .map((p) => `#${p.id} (${p.derivedFrom?.perturbation ?? 'edited'})`)
            .join(
              ', ',
            )}. ${unscheduled.length === 0 ? 'Back-fill queued on every model.' : 'Some back-fills could not be queued; each model’s next evaluation picks them up.'}`,
        );
      }
    } catch (error) {
      if (error instanceof CanaryError) {
        await ack({ response_action: 'errors', errors: { [BLOCK.suggestPick]: error.message } });
        return;
      }
      await ack();
      await reportFailure(ctx, { client, channel: meta.channel, user }, error, 'add related cases');
    }
  };
}

/** A proposal as the person left it: the edited boxes, or the proposal itself where there was no box. */
function readEdited(
  values: ViewValues,
  i: number,
  proposal: Proposal,
  maxBytes: number,
): { ok: true; value: ChosenProposal } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  let input: PatternInput = proposal.input;
  const inputText = values[inputBlock(i)]?.[FIELD]?.value;
  if (typeof inputText === 'string') {
    const parsed =
      typeof proposal.input === 'string'
        ? parsePatternInput(inputText, maxBytes)
        : objectInput(inputText, maxBytes);
    if (parsed.ok) input = parsed.value;
    else errors[inputBlock(i)] = parsed.error;
  }
  let expectation: unknown = proposal.expectation;
  const expectText = values[expectBlock(i)]?.[FIELD]?.value;
  if (typeof expectText === 'string') {
    const parsed = parseExpectationShorthand(expectText);
    if (parsed.ok) expectation = parsed.value;
    else errors[expectBlock(i)] = parsed.error;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { input, expectation, perturbation: proposal.perturbation, detail: proposal.detail },
  };
}

function objectInput(text: string, maxBytes: number) {
  const parsed = tryParseJson(text);
  if (!parsed.ok) return { ok: false as const, error: `The input is not valid JSON: ${parsed.error}` };
  if (!isPlainObject(parsed.value))
    return { ok: false as const, error: 'This input must stay a JSON object, like {"text": "…"}.' };
  return parsePatternInput(parsed.value, maxBytes);
}
