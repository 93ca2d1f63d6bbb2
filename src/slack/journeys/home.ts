import type { WebClient } from '@slack/web-api';
import { satisfactionLine } from '../../core/satisfaction.ts';
import { recentFlags } from '../../db/queries/slack.ts';
import { listProblems } from '../../services/problems.ts';
import { ratedModelNames } from '../../services/satisfaction.ts';
import { listSignoffs } from '../../services/signoffs.ts';
import { triageOverview } from '../../services/triage.ts';
import { homeView } from '../blocks/home.ts';
import { triageLinesOf } from '../blocks/triage.ts';
import type { SlackContext } from '../context.ts';
import { rowData } from './problem-data.ts';

/**
 * Publishes one person's App Home. Called when they open it and again after they triage from it, so the
 * complaint they just handled leaves their list without a reload.
 */
export async function publishHome(ctx: SlackContext, client: WebClient, user: string): Promise<void> {
  const [summaries, standing, flags, triage, rated] = await Promise.all([
    listProblems(ctx.deps, { status: ['open', 'monitoring'] }),
    listSignoffs(ctx.deps, { pending: true }),
    recentFlags(ctx.deps.db, 10),
    triageOverview(ctx.deps, { limit: 5 }),
    ratedModelNames(ctx.deps),
  ]);
  const signed = new Set(standing.map((s) => s.problemId));
  const awaitingSignoff = summaries.flatMap((s) => {
    const newest = [...s.latest].reverse().find((l) => l.metrics.n > 0);
    const t = s.problem.threshold;
    if (!newest || t === null || newest.metrics.passRate === null || newest.metrics.passRate < t) return [];
    if (signed.has(s.problem.id)) return [];
    return [
      { key: s.problem.key, title: s.problem.title, model: newest.model, passRate: newest.metrics.passRate },
    ];
  });
  await client.views.publish({
    user_id: user,
    view: homeView({
      problems: summaries.map(rowData),
      awaitingSignoff,
      users: rated.map((u) => `${u.name} — ${satisfactionLine(u.candidate, u.baseline)}`),
      flags,
      triage: {
        lines: triageLinesOf(triage.groups),
        totals: { groups: triage.totalGroups, observations: triage.totalObservations },
      },
      now: ctx.deps.now(),
    }),
  });
}
