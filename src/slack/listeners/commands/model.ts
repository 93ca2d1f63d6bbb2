import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { MODEL_USAGE, type ModelCommand, parseModelCommand } from '../../../core/commands.ts';
import { formatModelRef } from '../../../core/model.ts';
import { escapeSlack } from '../../../core/text.ts';
import { listModels, promoteModel, registerModel } from '../../../services/models.ts';
import { listProblems } from '../../../services/problems.ts';
import { compareModels } from '../../../services/reports.ts';
import { modelComparison, modelList } from '../../blocks/models.ts';
import { usageMessage } from '../../blocks/problem-list.ts';
import { isAdmin, type SlackContext } from '../../context.ts';
import { modelControl } from '../../journeys/controls.ts';
import { type ReplyTarget, replyEphemeral, reportFailure } from '../../web-api/reply.ts';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function modelCommand(ctx: SlackContext) {
  return async ({ command, ack, respond, client }: Args): Promise<void> => {
    await ack();
    const to: ReplyTarget = { respond, client, channel: command.channel_id, user: command.user_id };
    const parsed = parseModelCommand(command.text);
    if (!parsed.ok) return replyEphemeral(ctx, to, usageMessage(parsed.error, parsed.usage));
    try {
      await run(ctx, parsed.command, to);
    } catch (error) {
      await reportFailure(ctx, to, error, `/model ${parsed.command.sub}`);
    }
  };
}

async function run(ctx: SlackContext, cmd: ModelCommand, to: ReplyTarget): Promise<void> {
  switch (cmd.sub) {
    case 'help':
      return replyEphemeral(ctx, to, usageMessage(null, MODEL_USAGE));
    case 'register': {
      if (!isAdmin(ctx.settings, to.user)) {
        return replyEphemeral(ctx, to, ':no_entry: Only Canary admins (CANARY_ADMINS) can register models.');
      }
      const { model, warning } = await registerModel(ctx.deps, {
        name: cmd.name,
        version: cmd.version,
        endpoint: { adapter: cmd.adapter, url: cmd.url, options: {} },
        registeredBy: to.user,
        slack: { channel: to.channel as string },
      });
      return replyEphemeral(
        ctx,
        to,
        warning
          ? `:warning: ${escapeSlack(warning)}`
          : `Registered ${formatModelRef(model)} (${cmd.adapter}). It is being evaluated on every active pattern; results will be posted here.`,
      );
    }
    case 'list': {
      const models = await listModels(ctx.deps, { status: ['production', 'candidate'] });
      return replyEphemeral(
        ctx,
        to,
        modelList(
          models.map((m) => ({
            ref: formatModelRef(m),
            status: m.status,
            adapter: m.endpoint.adapter,
            registeredAt: m.registeredAt,
          })),
        ),
      );
    }
    case 'compare': {
      const [result, problems] = await Promise.all([
        compareModels(ctx.deps, cmd.baseline, cmd.candidate),
        listProblems(ctx.deps),
      ]);
      const thresholds = new Map(problems.map((s) => [s.problem.key, s.problem.threshold]));
      return replyEphemeral(
        ctx,
        to,
        modelComparison(
          formatModelRef(result.a),
          formatModelRef(result.b),
          result.problems.map((p) => ({ ...p, threshold: thresholds.get(p.key) ?? null })),
        ),
      );
    }
    case 'retire':
    case 'restore':
      return modelControl(ctx, cmd.sub, cmd.model, to);
    case 'promote': {
      if (!isAdmin(ctx.settings, to.user)) {
        return replyEphemeral(ctx, to, ':no_entry: Only Canary admins (CANARY_ADMINS) can promote models.');
      }
      const { model, previous } = await promoteModel(ctx.deps, cmd.model);
      const was = previous ? ` (replacing ${formatModelRef(previous)})` : '';
      return replyEphemeral(ctx, to, `:star: ${formatModelRef(model)} is now the production model${was}.`);
    }
  }
}
