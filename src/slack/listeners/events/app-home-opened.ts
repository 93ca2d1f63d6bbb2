import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { publishHome } from '../../journeys/home.ts';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

export function appHomeOpened(ctx: SlackContext) {
  return async ({ event, client }: Args): Promise<void> => {
    if (event.tab !== 'home') return;
    try {
      await publishHome(ctx, client, event.user);
    } catch (error) {
      ctx.log.error({ err: error, user: event.user }, 'App Home could not be published');
    }
  };
}
