import { CanaryError } from '../../core/errors.ts';
import type { Problem } from '../../core/problem.ts';
import { type EvaluationView, getEvaluation } from '../../services/evaluation/results.ts';
import { getProblemOrThrowById } from '../../services/problems.ts';
import { parseResultIds } from '../blocks/result-ids.ts';
import type { SlackContext } from '../context.ts';

/** What a result message's button points at, read back from the ids in its value. */
export async function resultTarget(
  ctx: SlackContext,
  value: string | undefined,
): Promise<{ evaluation: EvaluationView; problem: Problem }> {
  const ids = parseResultIds(value);
  if (!ids)
    throw new CanaryError('validation', 'That button is from an older message Canary can no longer read.');
  const evaluation = await getEvaluation(ctx.deps, ids.evaluationId);
  if (!evaluation) {
    throw new CanaryError('evaluation_not_found', `Evaluation #${ids.evaluationId} no longer exists.`);
  }
  return { evaluation, problem: await getProblemOrThrowById(ctx.deps, ids.problemId) };
}
