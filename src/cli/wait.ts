import { setTimeout as delay } from 'node:timers/promises';
import type { CanaryClient, EvaluationProgress } from './client.ts';
import type { Output } from './context.ts';
import { CliFailure } from './failure.ts';
import { createProgress } from './progress.ts';

/** Polls the evaluation until it is done, drawing progress on stderr. A failed evaluation is an infrastructure error. */
export async function waitForEvaluation(
  client: CanaryClient,
  evaluationId: number,
  stderr: Output,
  pollMs = 500,
): Promise<EvaluationProgress> {
  const progress = createProgress(stderr, `evaluation ${evaluationId}`);
  for (;;) {
    const evaluation = await client.getEvaluation(evaluationId);
    progress.update(evaluation.done, evaluation.total, evaluation.status);
    if (evaluation.status === 'done') {
      progress.finish();
      return evaluation;
    }
    if (evaluation.status === 'failed') {
      progress.finish();
      throw new CliFailure(`Evaluation ${evaluationId} failed: ${evaluation.error ?? 'no reason recorded'}.`);
    }
    await delay(pollMs);
  }
}
