import type { Metrics } from '../core/metrics.ts';
import { formatModelRef } from '../core/model.ts';
import type { Problem, ProblemStatus, Severity } from '../core/problem.ts';
import { parseProblemStatus, parseSeverity, parseThreshold, validateTitle } from '../core/problem.ts';
import { listModelRows } from '../db/queries/models.ts';
import {
  getProblemById,
  getProblemByKey,
  insertProblem,
  listProblemRows,
  patternCountsByProblem,
  setProblemHomeIfUnset,
  updateProblemRow,
} from '../db/queries/problems.ts';
import { metricsByModelAndProblem } from '../db/queries/reports.ts';
import type { ServiceDeps } from './deps.ts';
import { fail, invalid, rejectNul, valueOrThrow } from './errors.ts';
import { refuseOpenTitleClash, withOpenTitleGuard } from './problem-names.ts';

export { findProblemByKeyOrTitle } from '../db/queries/problems.ts';

/** How many of the newest non-retired models a problem list shows numbers for. */
const LATEST_MODELS_IN_LIST = 3;

export interface CreateProblemInput {
  title: string;
  description?: string;
  severity?: Severity | string;
  /** A share (0.8), or text as people write it ("80%"); null or absent: not gated. */
  threshold?: number | string | null;
  creatorId?: string | null;
  ownerId?: string | null;
}

export async function createProblem(deps: ServiceDeps, input: CreateProblemInput): Promise<Problem> {
  rejectNul({ title: input.title, description: input.description }, 'problem');
  const title = valueOrThrow(validateTitle(input.title ?? ''), 'title');
  const severity = input.severity === undefined ? undefined : readSeverity(input.severity);
  const threshold = readThreshold(input.threshold);
  await refuseOpenTitleClash(deps.db, title);
  const problem = await withOpenTitleGuard(deps.db, [title], () =>
    insertProblem(deps.db, {
      title,
      description: (input.description ?? '').trim(),
      ...(severity === undefined ? {} : { severity }),
      threshold,
      creatorId: input.creatorId ?? null,
      ownerId: input.ownerId ?? input.creatorId ?? null,
    }),
  );
  deps.log.info({ problem: problem.key }, 'problem created');
  return problem;
}

export async function getProblem(deps: Pick<ServiceDeps, 'db'>, key: string): Promise<Problem> {
  const problem = await getProblemByKey(deps.db, key);
  if (!problem) return fail('problem_not_found', `There is no problem ${key.trim()}.`, 'problem');
  return problem;
}

export async function getProblemOrThrowById(deps: ServiceDeps, id: number): Promise<Problem> {
  const problem = await getProblemById(deps.db, id);
  if (!problem) return fail('problem_not_found', `There is no problem with id ${id}.`, 'problem');
  return problem;
}

export interface ProblemSummary {
  problem: Problem;
  patternCount: number;
  activePatternCount: number;
  /** The newest non-retired models, oldest first, with their metrics on this problem (n = 0 when not run). */
  latest: { modelId: number; model: string; metrics: Metrics }[];
}

export async function listProblems(
  deps: Pick<ServiceDeps, 'db'>,
  opts: { status?: ProblemStatus[] } = {},
): Promise<ProblemSummary[]> {
  const problems = await listProblemRows(deps.db, opts.status ? { status: opts.status } : {});
  if (problems.length === 0) return [];
  const ids = problems.map((p) => p.id);
  const latestModels = await listModelRows(deps.db, {
    status: ['candidate', 'production'],
    latest: LATEST_MODELS_IN_LIST,
  });
  const [counts, table] = await Promise.all([
    patternCountsByProblem(deps.db, ids),
    metricsByModelAndProblem(deps.db, { models: latestModels, problemIds: ids }),
  ]);
  return problems.map((problem) => {
    const c = counts.get(problem.id);
    return {
      problem,
      patternCount: c?.total ?? 0,
      activePatternCount: c?.active ?? 0,
      latest: latestModels.map((m) => ({
        modelId: m.id,
        model: formatModelRef(m),
        metrics: table.get(m.id)?.get(problem.id) ?? EMPTY_METRICS,
      })),
    };
  });
}

export const EMPTY_METRICS: Metrics = Object.freeze({
  n: 0,
  passed: 0,
  failed: 0,
  errored: 0,
  flaky: 0,
  passRate: null,
  ci: null,
}) as Metrics;

export interface ProblemUpdate {
  title?: string;
  description?: string;
  threshold?: number | string | null;
  status?: ProblemStatus | string;
  severity?: Severity | string;
  ownerId?: string | null;
}

export async function updateProblem(deps: ServiceDeps, key: string, patch: ProblemUpdate): Promise<Problem> {
  rejectNul(patch, 'problem');
  const problem = await getProblem(deps, key);
  const changes: Parameters<typeof updateProblemRow>[2] = {};
  if (patch.title !== undefined) changes.title = valueOrThrow(validateTitle(patch.title), 'title');
  if (patch.description !== undefined) changes.description = patch.description.trim();
  if (patch.threshold !== undefined) changes.threshold = readThreshold(patch.threshold);
  if (patch.status !== undefined) changes.status = valueOrThrow(parseProblemStatus(patch.status), 'status');
  if (patch.severity !== undefined) changes.severity = readSeverity(patch.severity);
  if (patch.ownerId !== undefined) changes.ownerId = patch.ownerId;
  if (Object.keys(changes).length === 0) return problem;
  // A new title, or reopening a resolved problem, must not make two open problems with one title.
  const title = changes.title ?? problem.title;
  const opens = changes.status === 'open' || changes.status === 'monitoring';
  const willBeOpen =
    opens || (changes.status === undefined && ['open', 'monitoring'].includes(problem.status));
  if (willBeOpen && (changes.title !== undefined || opens)) {
    await refuseOpenTitleClash(deps.db, title, problem.id);
  }
  const updated = await withOpenTitleGuard(deps.db, [title], () =>
    updateProblemRow(deps.db, problem.id, changes, deps.now()),
  );
  if (!updated) return fail('problem_not_found', `There is no problem ${problem.key}.`, 'problem');
  return updated;
}

/** Where the problem's Slack thread lives. The first home wins, so retried announcements keep it. */
export async function setProblemHome(
  deps: ServiceDeps,
  problemId: number,
  home: { channel: string; ts: string },
): Promise<Problem> {
  const problem = await setProblemHomeIfUnset(deps.db, problemId, home, deps.now());
  if (!problem) return fail('problem_not_found', `There is no problem with id ${problemId}.`, 'problem');
  return problem;
}

function readSeverity(value: string): Severity {
  return valueOrThrow(parseSeverity(value), 'severity');
}

function readThreshold(value: number | string | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return valueOrThrow(parseThreshold(value), 'threshold');
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    return invalid(`The threshold must be a share between 0 and 1, got ${value}.`, 'threshold');
  }
  return value;
}
