import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { modelCommand } from './model.ts';
import { patternCommand } from './pattern.ts';
import { problemCommand } from './problem.ts';

export function registerCommands(app: App, ctx: SlackContext): void {
  app.command('/problem', problemCommand(ctx));
  app.command('/pattern', patternCommand(ctx));
  app.command('/model', modelCommand(ctx));
}
