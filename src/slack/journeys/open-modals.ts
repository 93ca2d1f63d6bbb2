import type { WebClient } from '@slack/web-api';
import { getProblem } from '../../services/problems.ts';
import { type AddPatternMetadata, addPatternModal } from '../blocks/modals.ts';
import type { SlackContext } from '../context.ts';
import { hasOpenProblems } from './problem-data.ts';

/**
 * Opens the add-pattern modal. Trigger ids die after 3 seconds, so only fast reads happen before views.open.
 * With a problemKey the modal is for that problem; otherwise it offers a type-ahead over the open problems.
 */
export async function openAddPatternModal(
  ctx: SlackContext,
  client: WebClient,
  triggerId: string,
  opts: AddPatternMetadata & { initialInput?: string; allowNewProblem?: boolean },
): Promise<void> {
  const { initialInput, allowNewProblem, ...metadata } = opts;
  const fixed = metadata.problemKey ? await getProblem(ctx.deps, metadata.problemKey) : undefined;
  const anyOpen = fixed ? false : await hasOpenProblems(ctx.deps);
  const view = addPatternModal({
    metadata: fixed ? { ...metadata, problemKey: fixed.key } : metadata,
    ...(fixed ? { fixedProblem: { key: fixed.key, title: fixed.title } } : {}),
    hasOpenProblems: anyOpen,
    allowNewProblem: allowNewProblem ?? false,
    ...(initialInput ? { initialInput } : {}),
  });
  await client.views.open({ trigger_id: triggerId, view });
}
