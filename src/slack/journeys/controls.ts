import type { WebClient } from '@slack/web-api';
import { formatModelRef } from '../../core/model.ts';
import { escapeSlack } from '../../core/text.ts';
import { restoreModel, retireModel } from '../../services/models.ts';
import { getPattern, setPatternActive } from '../../services/patterns.ts';
import { getProblemOrThrowById } from '../../services/problems.ts';
import { editPatternModal } from '../blocks/pattern-edit.ts';
import { isAdmin, type SlackContext } from '../context.ts';
import { type ReplyTarget, replyEphemeral } from '../web-api/reply.ts';
import { noteInHomeThread, refreshCard } from './problem-data.ts';

/** The one refusal sentence for every admin-only act, so Slack, REST and CLI users read the same rule. */
export function adminOnly(what: string): string {
  return `:no_entry: Only Canary admins (CANARY_ADMINS) can ${what}; nothing was changed.`;
}

/** `/model retire|restore name@version`. */
export async function modelControl(
  ctx: SlackContext,
  sub: 'retire' | 'restore',
  ref: { name: string; version: string },
  to: ReplyTarget,
): Promise<void> {
  if (!isAdmin(ctx.settings, to.user)) return replyEphemeral(ctx, to, adminOnly(`${sub} models`));
  if (sub === 'retire') {
    const model = await retireModel(ctx.deps, ref, { by: to.user });
    return replyEphemeral(
      ctx,
      to,
      `:file_cabinet: ${escapeSlack(formatModelRef(model))} is retired: it keeps its results but is not run on new patterns, leaves reports, the digest and charts, and the gate refuses it. \`/model restore ${escapeSlack(formatModelRef(model))}\` brings it back.`,
    );
  }
  const { model, evaluationId, warning } = await restoreModel(ctx.deps, ref, { by: to.user });
  const queued = evaluationId !== null ? ' Patterns added while it was retired are being run on it now.' : '';
  return replyEphemeral(
    ctx,
    to,
    `${warning ? `:warning: ${escapeSlack(warning)} ` : ''}:recycle: ${escapeSlack(formatModelRef(model))} is a candidate again.${queued}`,
  );
}

/** `/pattern deactivate|reactivate 12`: noted in the problem's home thread, card refreshed. */
export async function patternSwitch(
  ctx: SlackContext,
  sub: 'deactivate' | 'reactivate',
  patternId: number,
  to: ReplyTarget,
): Promise<void> {
  if (!isAdmin(ctx.settings, to.user)) return replyEphemeral(ctx, to, adminOnly(`${sub} patterns`));
  const pattern = await setPatternActive(ctx.deps, patternId, sub === 'reactivate', { by: to.user });
  const problem = await getProblemOrThrowById(ctx.deps, pattern.problemId);
  const what =
    sub === 'deactivate'
      ? `deactivated pattern #${pattern.id}: it no longer runs on new models or counts in pass rates, gates and reports.`
      : `reactivated pattern #${pattern.id}: it counts again and is being back-filled on every model.`;
  await replyEphemeral(ctx, to, `${problem.key}: you ${what}`);
  await noteInHomeThread(ctx, problem, `:gear: <@${to.user}> ${what}`);
  await refreshCard(ctx, problem);
}

/** Opens the edit modal (admins only); only fast reads happen before views.open, as the trigger lives 3 s. */
export async function openEditPattern(
  ctx: SlackContext,
  client: WebClient,
  triggerId: string,
  patternId: number,
  to: ReplyTarget,
): Promise<void> {
  if (!isAdmin(ctx.settings, to.user)) return replyEphemeral(ctx, to, adminOnly('edit patterns'));
  const pattern = await getPattern(ctx.deps, patternId);
  const problem = await getProblemOrThrowById(ctx.deps, pattern.problemId);
  await client.views.open({
    trigger_id: triggerId,
    view: editPatternModal(pattern, problem, {
      patternId: pattern.id,
      revision: pattern.revision,
      channel: to.channel,
    }),
  });
}
