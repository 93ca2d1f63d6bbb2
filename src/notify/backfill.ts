import { formatModelRef } from '../core/model.ts';
import { foldRuns } from '../core/outcome.ts';
import {
  backfillEvaluations,
  flagThreadOf,
  problemsByIds,
  revisionLabels,
  runsOfRevision,
} from '../db/queries/notifications.ts';
import { type BackfillRow, backfillMessage } from '../slack/blocks/backfill.ts';
import { postOrUpdate } from '../slack/web-api/ledger.ts';
import type { PostingDeps } from './deps.ts';

export const backfillKey = (patternRevisionId: number) => `backfill:rev:${patternRevisionId}`;

/**
 * A new pattern is back-filled by one evaluation per model. Its thread gets ONE message, posted when the first
 * of them finishes and edited as the others do, one line per model — never a message or chart per model.
 */
export async function announceBackfill(deps: PostingDeps, patternRevisionId: number): Promise<void> {
  const label = (await revisionLabels(deps.db, [patternRevisionId])).get(patternRevisionId);
  if (!label) return;
  const [evaluations, runs, [problem], flag] = await Promise.all([
    backfillEvaluations(deps.db, patternRevisionId),
    runsOfRevision(deps.db, patternRevisionId),
    problemsByIds(deps.db, [label.problemId]),
    flagThreadOf(deps.db, label.patternId),
  ]);
  const asked = evaluations.find((e) => e.evaluation.slackChannel)?.evaluation;
  const target = flag
    ? { channel: flag.channel, threadTs: flag.ts }
    : problem?.homeChannel && problem.homeTs
      ? { channel: problem.homeChannel, threadTs: problem.homeTs }
      : asked?.slackChannel
        ? { channel: asked.slackChannel, threadTs: asked.slackThreadTs }
        : null;
  if (!target) {
    deps.log.debug({ patternRevisionId }, 'back-filled pattern has no thread to answer in');
    return;
  }

  // The newest evaluation per model speaks for it (a re-run replaces a failed one).
  const latest = new Map<number, (typeof evaluations)[number]>();
  for (const e of evaluations) latest.set(e.model.id, e);
  const rows: BackfillRow[] = [...latest.values()].map(({ evaluation, model }) => {
    const mine = runs.filter((r) => r.modelId === model.id);
    const ref = formatModelRef(model);
    // A model's line changes once, when its back-fill is over, not batch by batch.
    if (evaluation.status === 'queued' || evaluation.status === 'running')
      return { model: ref, state: 'pending' };
    if (mine.length === 0)
      return { model: ref, state: evaluation.status === 'failed' ? 'failed_run' : 'errored' };
    const [outcome] = foldRuns(
      mine.map((r) => ({ patternId: r.patternId, patternRevisionId: r.patternRevisionId, status: r.status })),
    );
    const answer = mine.find((r) => r.label !== null || r.text !== null);
    const state: BackfillRow['state'] = outcome?.flaky ? 'flaky' : (outcome?.status ?? 'errored');
    return { model: ref, state, answer: answer?.label ?? answer?.text ?? null };
  });

  const message = backfillMessage({
    patternId: label.patternId,
    problemKey: problem?.key ?? '',
    input: label.input,
    polarity: label.polarity,
    rows,
  });
  await postOrUpdate(deps.db, deps.slack, backfillKey(patternRevisionId), {
    channel: target.channel,
    thread_ts: target.threadTs ?? undefined,
    ...message,
  });
}
