import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { PROBLEM_USAGE, type ProblemCommand, parseProblemCommand } from '../../../core/commands.ts';
import { formatRate } from '../../../core/metrics.ts';
import { escapeSlack } from '../../../core/text.ts';
import { createProblem, listProblems, updateProblem } from '../../../services/problems.ts';
import { triageOverview } from '../../../services/triage.ts';
import { newProblemModal } from '../../blocks/modals.ts';
import { problemCard } from '../../blocks/problem-card.ts';
import { problemList, sentence, usageMessage } from '../../blocks/problem-list.ts';
import { triageBlocks, triageLinesOf } from '../../blocks/triage.ts';
import { isAdmin, type SlackContext } from '../../context.ts';
import { userMessageFor } from '../../errors.ts';
import {
  announceProblem,
  cardData,
  noteInHomeThread,
  problemSummary,
  refreshCard,
  rowData,
} from '../../journeys/problem-data.ts';
import { type ReplyTarget, replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function problemCommand(ctx: SlackContext) {
  return async ({ command, ack, respond, client }: Args): Promise<void> => {
    await ack();
    const to: ReplyTarget = { respond, client, channel: command.channel_id, user: command.user_id };
    const parsed = parseProblemCommand(command.text);
    if (!parsed.ok) return replyEphemeral(ctx, to, usageMessage(parsed.error, parsed.usage));
    try {
      await run(ctx, parsed.command, { ...to, triggerId: command.trigger_id });
    } catch (error) {
      await reportFailure(ctx, to, error, `/problem ${parsed.command.sub}`);
    }
  };
}

async function run(
  ctx: SlackContext,
  cmd: ProblemCommand,
  to: ReplyTarget & { triggerId: string },
): Promise<void> {
  const channel = to.channel as string;
  switch (cmd.sub) {
    case 'help':
      return replyEphemeral(ctx, to, usageMessage(null, PROBLEM_USAGE));
    case 'new': {
      if (cmd.title === null) {
        const view = newProblemModal({ channel }, '', { canSetThreshold: isAdmin(ctx.settings, to.user) });
        await to.client.views.open({ trigger_id: to.triggerId, view });
        return;
      }
      const problem = await createProblem(ctx.deps, { title: cmd.title, creatorId: to.user });
      try {
        await announceProblem(ctx, problem, channel);
      } catch (error) {
        // The problem exists; the user gets its card privately and is told why it is not in the channel.
        const card = problemCard(cardData(await problemSummary(ctx.deps, problem.key)));
        await replyEphemeral(ctx, to, {
          text: card.text,
          blocks: [
            ...card.blocks,
            ...sentence(`:warning: Created ${problem.key}, but ${escapeSlack(userMessageFor(error))}`).blocks,
          ],
        });
      }
      return;
    }
    case 'triage': {
      const queue = await triageOverview(ctx.deps, { limit: 10 });
      const blocks = triageBlocks(triageLinesOf(queue.groups), {
        totals: { groups: queue.totalGroups, observations: queue.totalObservations },
      });
      return replyEphemeral(ctx, to, {
        text: `${queue.totalObservations} untriaged 👎 observation(s) on ${queue.totalGroups} input(s)`,
        blocks,
      });
    }
    case 'list': {
      const summaries = await listProblems(ctx.deps, { status: ['open', 'monitoring'] });
      return replyEphemeral(ctx, to, problemList(summaries.map(rowData), 'Open problems'));
    }
    case 'show': {
      const summary = await problemSummary(ctx.deps, cmd.key);
      const card = problemCard(cardData(summary));
      const rates = summary.latest
        .map((l) => `${escapeSlack(l.model)}: ${formatRate(l.metrics.passRate)} (n=${l.metrics.n})`)
        .join(' · ');
      const extra = rates ? [sentence(`Latest models: ${rates}`).blocks[0]] : [];
      return replyEphemeral(ctx, to, {
        text: card.text,
        blocks: [...card.blocks, ...extra.filter((b) => b !== undefined)],
      });
    }
    case 'threshold': {
      if (!isAdmin(ctx.settings, to.user)) {
        return replyEphemeral(
          ctx,
          to,
          ':no_entry: Only Canary admins (CANARY_ADMINS) can change thresholds.',
        );
      }
      const problem = await updateProblem(ctx.deps, cmd.key, { threshold: cmd.threshold });
      await replyEphemeral(
        ctx,
        to,
        `${problem.key} now needs a pass rate of at least ${formatRate(cmd.threshold)}.`,
      );
      await noteInHomeThread(
        ctx,
        problem,
        `:dart: <@${to.user}> set the threshold to ${formatRate(cmd.threshold)}.`,
      );
      await refreshCard(ctx, problem);
      return;
    }
    case 'resolve':
    case 'reopen': {
      const status = cmd.sub === 'resolve' ? 'resolved' : 'open';
      const problem = await updateProblem(ctx.deps, cmd.key, { status });
      await replyEphemeral(ctx, to, `${problem.key} is now ${status}.`);
      await noteInHomeThread(ctx, problem, `<@${to.user}> marked this problem ${status}.`);
      await refreshCard(ctx, problem);
      return;
    }
  }
}
