import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { appHomeOpened } from './app-home-opened.ts';
import { ratingReactionAdded } from './rating-reaction-added.ts';
import { ratingReactionRemoved } from './rating-reaction-removed.ts';
import { reactionAdded } from './reaction-added.ts';

export function registerEvents(app: App, ctx: SlackContext): void {
  app.event('reaction_added', reactionAdded(ctx));
  app.event('reaction_added', ratingReactionAdded(ctx));
  app.event('reaction_removed', ratingReactionRemoved(ctx));
  app.event('app_home_opened', appHomeOpened(ctx));
}
