import type { App } from '@slack/bolt';
import { SHORTCUT } from '../../blocks/ids.ts';
import type { SlackContext } from '../../context.ts';
import { addAsPatternShortcut } from './add-as-pattern.ts';

export function registerShortcuts(app: App, ctx: SlackContext): void {
  app.shortcut({ callback_id: SHORTCUT.addAsPattern, type: 'message_action' }, addAsPatternShortcut(ctx));
}
