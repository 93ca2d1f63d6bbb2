import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { recentFlags } from '../../../db/queries/slack.ts';
import { listProblems } from '../../../services/problems.ts';
import { listSignoffs } from '../../../services/signoffs.ts';
import { triageQueue } from '../../../services/triage.ts';
import { homeView } from '../../blocks/home.ts';
import { triageLinesOf } from '../../blocks/triage.ts';
import type { SlackContext } from '../../context.ts';
import { rowData } from '../../problem-data.ts';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

export function appHomeOpened(ctx: SlackContext) {
  return async ({ event, client }: Args): Promise<void> => {
    if (event.tab !== 'home') return;
    try {
      const [summaries, standing, flags, triage] = await Promise.all([
        listProblems(ctx.deps, { status: ['open', 'monitoring'] }),
        listSignoffs(ctx.deps, { pending: true }),
        recentFlags(ctx.deps.db, 10),
        triageQueue(ctx.deps, { limit: 5 }),
      ]);
      const signed = new Set(standing.map((s) => s.problemId));
      const awaitingSignoff = summaries.flatMap((s) => {
        const newest = [...s.latest].reverse().find((l) => l.metrics.n > 0);
        const t = s.problem.threshold;
        if (!newest || t === null || newest.metrics.passRate === null || newest.metrics.passRate < t)
          return [];
        if (signed.has(s.problem.id)) return [];
        return [
          {
            key: s.problem.key,
            title: s.problem.title,
            model: newest.model,
            passRate: newest.metrics.passRate,
          },
        ];
      });
      await client.views.publish({
        user_id: event.user,
        view: homeView({
          problems: summaries.map(rowData),
          awaitingSignoff,
          flags,
          triage: triageLinesOf(triage),
          now: ctx.deps.now(),
        }),
      });
    } catch (error) {
      ctx.log.error({ err: error, user: event.user }, 'App Home could not be published');
    }
  };
}
