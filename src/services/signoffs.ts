import type { Model } from '../core/model.ts';
import { formatModelRef } from '../core/model.ts';
import { getModelById, listModelRows } from '../db/queries/models.ts';
import { metricsByModelAndProblem } from '../db/queries/reports.ts';
import {
  findStandingSignoff,
  getSignoff,
  insertSignoff,
  listSignoffRows,
  markBroken,
  revokeSignoffRow,
  type Signoff,
} from '../db/queries/signoffs.ts';
import type { ServiceDeps } from './deps.ts';
import { fail } from './errors.ts';
import { getModelByRef, type ModelSelector } from './models.ts';
import { getProblem } from './problems.ts';

export type { Signoff };

/**
 * Someone vouches that a problem is handled as of a model, at the pass rate it has now. Without a model, the
 * newest non-retired model that has results on the problem. Signing twice returns the standing sign-off.
 */
export async function signOff(
  deps: ServiceDeps,
  input: { problemKey: string; modelRef?: ModelSelector; userId: string },
): Promise<Signoff> {
  const problem = await getProblem(deps, input.problemKey);
  const candidates = input.modelRef
    ? [await getModelByRef(deps, input.modelRef)]
    : await listModelRows(deps.db, { status: ['candidate', 'production'] });
  const table = await metricsByModelAndProblem(deps.db, { models: candidates, problemIds: [problem.id] });
  const evaluated = candidates.filter((m) => table.get(m.id)?.get(problem.id)?.passRate != null);
  const model = evaluated[evaluated.length - 1];
  if (!model) {
    const which = input.modelRef ? formatModelRef(candidates[0] as Model) : 'any model';
    return fail(
      'not_evaluated',
      `${problem.key} has no results on ${which} yet; nothing to sign off.`,
      'model',
    );
  }
  const passRate = table.get(model.id)?.get(problem.id)?.passRate as number;

  const standing = { problemId: problem.id, modelId: model.id, signedBy: input.userId };
  const already = await findStandingSignoff(deps.db, standing);
  if (already) return already;
  const signoff = await insertSignoff(deps.db, {
    problemId: problem.id,
    modelId: model.id,
    passRate,
    signedBy: input.userId,
    signedAt: deps.now(),
  });
  if (!signoff) {
    // A concurrent request (a double click) signed between the look and the insert: theirs stands.
    const winner = await findStandingSignoff(deps.db, standing);
    if (winner) return winner;
    return fail(
      'duplicate',
      `A sign-off of ${problem.key} on ${formatModelRef(model)} by you changed while signing; try again.`,
      'model',
    );
  }
  deps.log.info({ problem: problem.key, model: formatModelRef(model), passRate }, 'signed off');
  return signoff;
}

export async function revokeSignoff(
  deps: ServiceDeps,
  input: { signoffId: number; userId: string },
): Promise<Signoff> {
  const existing = await getSignoff(deps.db, input.signoffId);
  if (!existing) return fail('signoff_not_found', `There is no sign-off #${input.signoffId}.`, 'signoff');
  if (existing.revokedAt) return existing;
  return (await revokeSignoffRow(deps.db, input.signoffId, input.userId, deps.now())) ?? existing;
}

/** With pending, only sign-offs still in force (neither revoked nor broken). */
export async function listSignoffs(
  deps: ServiceDeps,
  filter: { problemKey?: string; pending?: boolean } = {},
): Promise<Signoff[]> {
  const problemId =
    filter.problemKey === undefined ? undefined : (await getProblem(deps, filter.problemKey)).id;
  return listSignoffRows(deps.db, {
    standing: filter.pending ?? false,
    ...(problemId === undefined ? {} : { problemId }),
  });
}

export interface BrokenSignoff extends Signoff {
  /** The breaking model's pass rate on the problem, below `passRate`. */
  newPassRate: number;
}

/**
 * Sign-offs this model breaks: its pass rate on a signed-off problem fell below the signed rate. They are
 * marked broken here, once, and returned so the caller can announce them in the problem's thread.
 */
export async function checkSignoffs(deps: ServiceDeps, modelId: number): Promise<BrokenSignoff[]> {
  const model = await getModelById(deps.db, modelId);
  if (!model) return fail('model_not_found', `There is no model with id ${modelId}.`, 'model');
  if (model.status === 'retired') return [];
  const standing = await listSignoffRows(deps.db, { standing: true });
  const candidates = standing.filter((s) => s.modelId !== model.id);
  if (candidates.length === 0) return [];
  const problemIds = [...new Set(candidates.map((s) => s.problemId))];
  const table = await metricsByModelAndProblem(deps.db, { models: [model], problemIds });
  const broken = candidates.flatMap((s) => {
    const rate = table.get(model.id)?.get(s.problemId)?.passRate;
    return rate !== undefined && rate !== null && rate < s.passRate ? [{ ...s, newPassRate: rate }] : [];
  });
  const now = deps.now();
  const marked = new Set(
    await markBroken(
      deps.db,
      broken.map((s) => s.id),
      model.id,
      now,
    ),
  );
  const result = broken
    .filter((s) => marked.has(s.id))
    .map((s) => ({ ...s, brokenAt: now, brokenByModelId: model.id }));
  if (result.length > 0)
    deps.log.info({ model: formatModelRef(model), broken: result.length }, 'sign-offs broken');
  return result;
}
