import type { App } from '@slack/bolt';
import { BLOCK } from '../../blocks/ids.ts';
import type { SlackContext } from '../../context.ts';
import { problemSearchOptions } from './problem-search.ts';

export function registerOptions(app: App, ctx: SlackContext): void {
  // The flag prompt's picker and the add-pattern modal's share one search.
  app.options({ type: 'block_suggestion', block_id: BLOCK.flagProblem }, problemSearchOptions(ctx));
  app.options({ type: 'block_suggestion', block_id: BLOCK.problem }, problemSearchOptions(ctx));
}
