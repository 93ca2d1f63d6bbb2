import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { PATTERN_USAGE, type PatternCommand, parsePatternCommand } from '../../../core/commands.ts';
import { listPatterns } from '../../../services/patterns.ts';
import { patternList } from '../../blocks/patterns.ts';
import { usageMessage } from '../../blocks/problem-list.ts';
import type { SlackContext } from '../../context.ts';
import { openEditPattern, patternSwitch } from '../../journeys/controls.ts';
import { openAddPatternModal } from '../../journeys/open-modals.ts';
import { type ReplyTarget, replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function patternCommand(ctx: SlackContext) {
  return async ({ command, ack, respond, client }: Args): Promise<void> => {
    await ack();
    const to: ReplyTarget = { respond, client, channel: command.channel_id, user: command.user_id };
    const parsed = parsePatternCommand(command.text);
    if (!parsed.ok) return replyEphemeral(ctx, to, usageMessage(parsed.error, parsed.usage));
    try {
      await run(ctx, parsed.command, to, command.trigger_id);
    } catch (error) {
      await reportFailure(ctx, to, error, `/pattern ${parsed.command.sub}`);
    }
  };
}

async function run(
  ctx: SlackContext,
  cmd: PatternCommand,
  to: ReplyTarget,
  triggerId: string,
): Promise<void> {
  switch (cmd.sub) {
    case 'help':
      return replyEphemeral(ctx, to, usageMessage(null, PATTERN_USAGE));
    case 'add':
      return openAddPatternModal(ctx, to.client, triggerId, { problemKey: cmd.key, channel: to.channel });
    case 'deactivate':
    case 'reactivate':
      return patternSwitch(ctx, cmd.sub, cmd.patternId, to);
    case 'edit':
      return openEditPattern(ctx, to.client, triggerId, cmd.patternId, to);
    case 'list': {
      const { problem, patterns } = await listPatterns(ctx.deps, cmd.key);
      return replyEphemeral(ctx, to, patternList(problem, patterns));
    }
  }
}
