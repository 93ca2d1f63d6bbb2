import type { Expectation } from '../core/expectations/handler.ts';
import { gradingNeed } from '../core/expectations/index.ts';
import type { Model } from '../core/model.ts';
import type { Db } from '../db/client.ts';
import { getModelByNameVersion } from '../db/queries/models.ts';
import { invalid } from './errors.ts';

/**
 * judge and similar name another model; it must exist (and be the right kind of model) before a pattern may use
 * it, so a typo is refused now instead of erroring on every evaluation later.
 */
export async function checkGraderRefs(
  db: Db,
  expectations: readonly { expectation: Expectation; where: string }[],
): Promise<void> {
  const found = new Map<string, Model | null>();
  for (const { expectation, where } of expectations) {
    const need = gradingNeed(expectation);
    if (!need) continue;
    const ref = need.kind === 'grader' ? need.grader : need.embedder;
    if (!found.has(ref)) {
      const at = ref.lastIndexOf('@');
      found.set(ref, await getModelByNameVersion(db, ref.slice(0, at), ref.slice(at + 1)));
    }
    const model = found.get(ref);
    const field = need.kind === 'grader' ? 'judge.grader' : 'similar.embedder';
    if (!model) invalid(`${where}no model ${ref}; register it first.`, field);
    // A retired grader keeps grading the patterns that already name it (their numbers stay comparable), but
    // new checks should not start leaning on a model someone decided to stop using.
    if (model.status === 'retired')
      invalid(
        `${where}${ref} is retired; restore it (/model restore ${ref}) or name another version.`,
        field,
      );
    if (need.kind === 'embedder' && model.endpoint.adapter !== 'openai-embeddings')
      invalid(
        `${where}${ref} is not an embeddings model; register one with the openai-embeddings adapter.`,
        field,
      );
    if (need.kind === 'grader' && need.rubric !== undefined && model.endpoint.adapter !== 'openai')
      invalid(
        `${where}${ref} cannot grade a rubric: rubric graders use the openai adapter (chat completions).`,
        field,
      );
  }
}
