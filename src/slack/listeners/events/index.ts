import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { appHomeOpened } from './app-home-opened.ts';
import { reactionAdded } from './reaction-added.ts';

export function registerEvents(app: App, ctx: SlackContext): void {
  app.event('reaction_added', reactionAdded(ctx));
  app.event('app_home_opened', appHomeOpened(ctx));
}
