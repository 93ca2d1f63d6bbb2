import type { UsersDigestEntry } from '../core/digest.ts';
import type { Model } from '../core/model.ts';
import { formatModelRef } from '../core/model.ts';
import {
  compareSatisfaction,
  type RatingCounts,
  type Satisfaction,
  satisfaction,
  satisfactionLine,
} from '../core/satisfaction.ts';
import { getProductionModel, listModelRows } from '../db/queries/models.ts';
import { listProblemRows } from '../db/queries/problems.ts';
import { groupBy } from '../db/queries/reports.ts';
import { dailyRatings, ratingCountsByModel, ratingCountsByProblem } from '../db/queries/satisfaction.ts';
import type { ServiceDeps } from './deps.ts';
import { getModelByRef, type ModelSelector } from './models.ts';

export interface SatisfactionReport {
  model: string;
  satisfaction: Satisfaction;
  /** What it is compared with: the production model of the same name, else the version registered before it. */
  baseline: { model: string; satisfaction: Satisfaction } | null;
  /** Fisher's exact test against the baseline; null without one. */
  p: number | null;
  droppedSignificantly: boolean;
  /** The sentence shown in Slack, the CLI and the digest. */
  line: string;
  /** Ratings of the observations patterns of each problem were made from. */
  perProblem: { key: string; title: string; satisfaction: Satisfaction }[];
}

const NONE: RatingCounts = { up: 0, down: 0 };

type DbDeps = Pick<ServiceDeps, 'db'>;

export async function satisfactionReport(
  deps: DbDeps,
  ref: ModelSelector,
  opts: { baseline?: 'auto' | ModelSelector | null } = {},
): Promise<SatisfactionReport> {
  return satisfactionOfModel(deps, await getModelByRef(deps, ref), opts);
}

/** The same report for a model already in hand (the evaluation summary has it). */
export async function satisfactionOfModel(
  deps: DbDeps,
  model: Model,
  opts: { baseline?: 'auto' | ModelSelector | null } = {},
): Promise<SatisfactionReport> {
  const baseline = await baselineOf(deps, model, opts.baseline ?? 'auto');
  const counts = await ratingCountsByModel(deps.db, baseline ? [model.id, baseline.id] : [model.id]);
  const mine = counts.get(model.id) ?? NONE;
  const theirs = baseline ? (counts.get(baseline.id) ?? NONE) : null;
  const compared = theirs ? compareSatisfaction(mine, theirs) : null;
  const label = (m: Model) => (baseline && baseline.name === m.name ? m.version : formatModelRef(m));
  const byProblem = await ratingCountsByProblem(deps.db, model.id);
  const problems = byProblem.length > 0 ? await listProblemRows(deps.db, {}) : [];
  return {
    model: formatModelRef(model),
    satisfaction: satisfaction(mine),
    baseline:
      baseline && theirs ? { model: formatModelRef(baseline), satisfaction: satisfaction(theirs) } : null,
    p: compared && compared.candidate.n > 0 && compared.baseline.n > 0 ? compared.p : null,
    droppedSignificantly: compared?.droppedSignificantly ?? false,
    line: satisfactionLine(
      { label: label(model), counts: mine },
      baseline && theirs ? { label: label(baseline), counts: theirs } : undefined,
    ),
    perProblem: byProblem.flatMap((row) => {
      const problem = problems.find((p) => p.id === row.problemId);
      return problem ? [{ key: problem.key, title: problem.title, satisfaction: satisfaction(row) }] : [];
    }),
  };
}

async function baselineOf(
  deps: DbDeps,
  model: Model,
  choice: 'auto' | ModelSelector | null,
): Promise<Model | null> {
  if (choice === null) return null;
  if (choice !== 'auto') {
    const chosen = await getModelByRef(deps, choice);
    return chosen.id === model.id ? null : chosen;
  }
  const production = await getProductionModel(deps.db, model.name);
  if (production && production.id !== model.id) return production;
  const versions = await listModelRows(deps.db, { name: model.name });
  const at = versions.findIndex((m) => m.id === model.id);
  return at > 0 ? (versions[at - 1] ?? null) : null;
}

export interface SatisfactionSeries {
  /** UTC days with any rating, oldest first. */
  days: string[];
  /** One per version of the model name: share of 👍 per day (null: nobody rated that day). */
  versions: { model: string; shares: (number | null)[]; n: number[] }[];
}

/** Every version of one model name, rated day by day: the input of the satisfaction chart. */
export async function satisfactionOverTime(deps: DbDeps, name: string): Promise<SatisfactionSeries> {
  const versions = await listModelRows(deps.db, { name });
  const rows = await dailyRatings(
    deps.db,
    versions.map((v) => v.id),
  );
  const days = [...new Set(rows.map((r) => r.day))].sort();
  return {
    days,
    versions: versions.flatMap((v) => {
      const mine = rows.filter((r) => r.modelId === v.id);
      if (mine.length === 0) return [];
      const byDay = new Map(mine.map((r) => [r.day, r]));
      return [
        {
          model: formatModelRef(v),
          shares: days.map((d) => {
            const r = byDay.get(d);
            return r && r.up + r.down > 0 ? r.up / (r.up + r.down) : null;
          }),
          n: days.map((d) => {
            const r = byDay.get(d);
            return r ? r.up + r.down : 0;
          }),
        },
      ];
    }),
  };
}

/** Per model name with ratings: its newest rated version against production (else the rated version before). */
export async function ratedModelNames({ db }: DbDeps): Promise<UsersDigestEntry[]> {
  const models = await listModelRows(db, { status: ['candidate', 'production'] });
  const counts = await ratingCountsByModel(
    db,
    models.map((m) => m.id),
  );
  const rated = models.filter((m) => {
    const c = counts.get(m.id);
    return c !== undefined && c.up + c.down > 0;
  });
  return [...groupBy(rated, (m) => m.name)].map(([name, versions]) => {
    const newest = versions[versions.length - 1] as Model;
    const baseline =
      versions.find((m) => m.status === 'production' && m.id !== newest.id) ?? versions[versions.length - 2];
    const of = (m: Model) => ({ label: m.version, counts: counts.get(m.id) ?? { up: 0, down: 0 } });
    return { name, candidate: of(newest), ...(baseline ? { baseline: of(baseline) } : {}) };
  });
}
