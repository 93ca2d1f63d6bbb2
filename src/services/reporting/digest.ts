import type { ChartRenderer } from '../../charts/index.ts';
import { compareOutcomes } from '../../core/compare.ts';
import { buildDigest, type Digest, type DigestInput, type DigestLatest } from '../../core/digest.ts';
import { assessEvidence } from '../../core/evidence.ts';
import type { Model } from '../../core/model.ts';
import { formatModelRef } from '../../core/model.ts';
import type { PatternOutcome } from '../../core/outcome.ts';
import type { Db } from '../../db/client.ts';
import { getModelsByIds, getProductionModel, listModelRows } from '../../db/queries/models.ts';
import { flaggedPatternsBetween, problemsCreatedBetween } from '../../db/queries/notifications.ts';
import { listProblemRows } from '../../db/queries/problems.ts';
import {
  foldOutcomeRuns,
  groupBy,
  metricsByModelAndProblem,
  problemsWithActivePatterns,
  runsFor,
} from '../../db/queries/reports.ts';
import { listSignoffRows, signoffsBrokenBetween } from '../../db/queries/signoffs.ts';
import type { Logger } from '../../logger.ts';
import { ratedModelNames } from '../satisfaction.ts';

/**
 * The daily digest's contents: what changed since the last one (posted once per tick by src/notify/digest.ts).
 */

export interface DigestDeps {
  db: Db;
  log: Logger;
  now: () => Date;
  charts: ChartRenderer;
}

async function collectDigestInput(
  deps: Pick<DigestDeps, 'db'>,
  window: { since: Date; now: Date },
): Promise<DigestInput> {
  const { db } = deps;
  const { since, now } = window;
  const [newProblems, flagged, problems, withPatterns, candidates, production] = await Promise.all([
    problemsCreatedBetween(db, since, now),
    flaggedPatternsBetween(db, since, now),
    listProblemRows(db, { status: ['open', 'monitoring', 'resolved'] }),
    problemsWithActivePatterns(db),
    listModelRows(db, { status: ['candidate'] }),
    getProductionModel(db),
  ]);
  const keep = new Set(withPatterns);
  const reported = problems.filter((p) => keep.has(p.id));
  const problemIds = reported.map((p) => p.id);
  const models = production ? [...candidates, production] : candidates;
  const table = await metricsByModelAndProblem(db, { models, problemIds });
  // Newest first, so the first candidate with numbers on a problem is its latest.
  const newestFirst = [...candidates].reverse();
  const latestOf = (problemId: number): Model | null =>
    newestFirst.find((m) => (table.get(m.id)?.get(problemId)?.n ?? 0) > 0) ?? null;
  const chosen = new Map(reported.map((p) => [p.id, latestOf(p.id)]));
  const involved = [...new Set([...chosen.values()].filter((m): m is Model => m !== null).map((m) => m.id))];
  const runs = await runsFor(db, {
    modelIds: production ? [...involved, production.id] : involved,
    problemIds,
  });
  const outcomes = new Map<string, PatternOutcome[]>();
  for (const [modelId, list] of groupBy(runs, (r) => r.modelId)) {
    for (const [problemId, os] of groupBy(foldOutcomeRuns(list), (o) => o.problemId)) {
      outcomes.set(`${modelId}:${problemId}`, os);
    }
  }

  const latest: DigestLatest[] = reported.map((p) => {
    const candidate = chosen.get(p.id) ?? null;
    const prodMetrics = production ? table.get(production.id)?.get(p.id) : undefined;
    const prod = production && prodMetrics && prodMetrics.n > 0 ? production : null;
    const comparison =
      candidate && prod
        ? compareOutcomes(
            outcomes.get(`${prod.id}:${p.id}`) ?? [],
            outcomes.get(`${candidate.id}:${p.id}`) ?? [],
          )
        : null;
    const verdict = comparison?.verdict ?? null;
    const subject = candidate ?? prod;
    const subjectMetrics = subject ? table.get(subject.id)?.get(p.id) : undefined;
    return {
      problemKey: p.key,
      title: p.title,
      threshold: p.threshold,
      candidate: candidate
        ? { model: formatModelRef(candidate), passRate: table.get(candidate.id)?.get(p.id)?.passRate ?? null }
        : null,
      production: prod ? { model: formatModelRef(prod), passRate: prodMetrics?.passRate ?? null } : null,
      verdict,
      ...(subjectMetrics
        ? { evidence: assessEvidence({ metrics: subjectMetrics, threshold: p.threshold, comparison }) }
        : {}),
    };
  });

  const broken = await signoffsBrokenBetween(db, since, now);
  const breakers = await getModelsByIds(db, [
    ...new Set(broken.flatMap((s) => (s.brokenByModelId ? [s.brokenByModelId] : []))),
  ]);
  const breakerTable = await metricsByModelAndProblem(db, {
    models: breakers,
    problemIds: broken.map((s) => s.problemId),
  });
  const standing = await listSignoffRows(db, { standing: true });
  const signedOn = new Set(standing.map((s) => `${s.problemId}:${s.modelId}`));
  const pendingSignoffs = reported.flatMap((p) => {
    const candidate = chosen.get(p.id);
    if (p.threshold === null || p.status === 'resolved' || !candidate) return [];
    return signedOn.has(`${p.id}:${candidate.id}`) ? [] : [{ problemKey: p.key }];
  });

  return {
    since,
    now,
    newProblems: newProblems.map((p) => ({ key: p.key, title: p.title })),
    flaggedPatterns: flagged.map((f) => ({ problemKey: f.problemKey, patternId: f.patternId, text: f.text })),
    latest,
    brokenSignoffs: broken.map((s) => ({
      problemKey: s.problemKey,
      model: s.model,
      signedRate: s.passRate,
      nowRate: s.brokenByModelId
        ? (breakerTable.get(s.brokenByModelId)?.get(s.problemId)?.passRate ?? null)
        : null,
    })),
    pendingSignoffs,
    users: await ratedModelNames({ db }),
  };
}

export async function collectDigest(
  deps: Pick<DigestDeps, 'db'>,
  window: { since: Date; now: Date },
): Promise<Digest> {
  return buildDigest(await collectDigestInput(deps, window));
}
