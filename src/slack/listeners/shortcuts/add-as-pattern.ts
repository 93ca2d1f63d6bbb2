import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { openAddPatternModal } from '../../journeys/open-modals.ts';
import { reportFailure } from '../../web-api/reply.ts';

type Args = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;

/** "Add as pattern" on any message: the add-pattern modal, prefilled, remembering where the message lives. */
export function addAsPatternShortcut(ctx: SlackContext) {
  return async ({ shortcut, ack, client, respond }: Args): Promise<void> => {
    await ack();
    const channel = shortcut.channel.id;
    try {
      await openAddPatternModal(ctx, client, shortcut.trigger_id, {
        channel,
        // The permalink is fetched on submit: the trigger id only lives 3 seconds.
        source: { channel, ts: shortcut.message.ts, permalink: null },
        initialInput: shortcut.message.text ?? '',
        allowNewProblem: true,
      });
    } catch (error) {
      await reportFailure(ctx, { respond, client, channel, user: shortcut.user.id }, error, 'add as pattern');
    }
  };
}
