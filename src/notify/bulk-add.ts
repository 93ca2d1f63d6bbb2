import { formatModelRef } from '../core/model.ts';
import {
  addBackfillEvaluations,
  addOutcomesByProblemAndModel,
  getPatternAdd,
  problemsOfAdd,
} from '../db/queries/pattern-adds.ts';
import { listProblems } from '../services/problems.ts';
import { type BulkAddModelLine, bulkAddMessage } from '../slack/blocks/bulk-add.ts';
import { problemCard } from '../slack/blocks/problem-card.ts';
import { cardData } from '../slack/journeys/problem-data.ts';
import { postOrUpdate, updateIfChanged } from '../slack/web-api/ledger.ts';
import type { PostingDeps } from './deps.ts';

export const bulkAddKey = (addId: number, problemId: number) => `add:${addId}:problem:${problemId}`;

/**
 * A bulk add changed its problems' pattern counts: each card (the home thread's parent) is edited in place.
 * No thread message: with no model to back-fill on there is nothing else to say.
 */
export async function refreshCardsOfAdd(deps: PostingDeps, addId: number): Promise<void> {
  const touched = (await problemsOfAdd(deps.db, addId)).filter((p) => p.homeChannel && p.homeTs);
  if (touched.length === 0) return;
  const summaries = new Map((await listProblems(deps)).map((s) => [s.problem.id, s]));
  for (const p of touched) {
    const summary = summaries.get(p.problemId);
    if (!summary) continue;
    const card = problemCard(cardData(summary));
    await updateIfChanged(deps.slack, {
      channel: p.homeChannel as string,
      ts: p.homeTs as string,
      text: card.text,
      blocks: card.blocks,
    });
  }
}

/**
 * One message per problem thread for the whole add, posted when its first back-fill finishes and edited as the
 * others do: one line per model with its pass rate on the added patterns. Nothing when no model ran it.
 */
export async function announceAddBackfill(deps: PostingDeps, addId: number): Promise<void> {
  const add = await getPatternAdd(deps.db, addId);
  if (!add) return;
  const evaluations = await addBackfillEvaluations(deps.db, addId);
  if (evaluations.length === 0) return;
  // The newest evaluation per model speaks for it (a re-run replaces a failed one).
  const latest = new Map<number, (typeof evaluations)[number]>();
  for (const e of evaluations) latest.set(e.model.id, e);
  const [problems, outcomes] = await Promise.all([
    problemsOfAdd(deps.db, addId),
    addOutcomesByProblemAndModel(deps.db, addId, [...latest.keys()]),
  ]);
  const outcomeOf = new Map(outcomes.map((o) => [`${o.problemId}:${o.modelId}`, o]));
  for (const problem of problems) {
    if (!problem.homeChannel || !problem.homeTs) {
      deps.log.debug({ addId, problem: problem.key }, 'problem has no home thread; bulk add not announced');
      continue;
    }
    const models: BulkAddModelLine[] = [...latest.values()].map(({ evaluation, model }) => {
      const o = outcomeOf.get(`${problem.problemId}:${model.id}`);
      const counts = { passed: o?.passed ?? 0, failed: o?.failed ?? 0, errored: o?.errored ?? 0 };
      const finished = evaluation.status === 'done' || evaluation.status === 'failed';
      const state: BulkAddModelLine['state'] = !finished
        ? 'pending'
        : evaluation.status === 'failed' && counts.passed + counts.failed + counts.errored === 0
          ? 'failed_run'
          : 'done';
      return { model: formatModelRef(model), state, ...counts };
    });
    const message = bulkAddMessage({
      problemKey: problem.key,
      added: problem.added,
      addSize: add.size,
      creator: add.creatorId,
      models,
    });
    await postOrUpdate(deps.db, deps.slack, bulkAddKey(addId, problem.problemId), {
      channel: problem.homeChannel,
      thread_ts: problem.homeTs,
      ...message,
    });
  }
}
