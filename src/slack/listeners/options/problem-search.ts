import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { searchOpenProblems } from '../../../db/queries/problem-search.ts';
import { LIMITS } from '../../blocks/limits.ts';
import { problemOptions } from '../../blocks/problem-options.ts';
import type { SlackContext } from '../../context.ts';

type Args = SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs;

/**
 * Answers a problem picker as the person types. Slack waits 3 seconds for options; a failed search answers
 * with no options (the picker shows "no results") rather than leaving Slack to time out.
 */
export function problemSearchOptions(ctx: SlackContext) {
  return async ({ ack, payload }: Args): Promise<void> => {
    try {
      const found = await searchOpenProblems(ctx.deps.db, payload.value ?? '', LIMITS.selectOptions);
      await ack(problemOptions(found));
    } catch (error) {
      ctx.log.error({ err: error }, 'problem search failed');
      await ack({ options: [] });
    }
  };
}
