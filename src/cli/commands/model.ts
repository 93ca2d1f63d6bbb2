import { ADAPTERS } from '../../core/commands.ts';
import type { EndpointConfig } from '../../core/model.ts';
import { formatModelRef } from '../../core/model.ts';
import { keyNumber, keyValue, modelRefArg, noPositionals, parse } from '../args.ts';
import type { RegisterModelRequest } from '../client.ts';
import type { CliContext } from '../context.ts';
import { CliFailure, usageError } from '../failure.ts';
import { waitForEvaluation } from '../wait.ts';

export const MODEL_USAGE = `Usage: canary model register --name N --version V --adapter A --url U
         [--metric auc=0.91 …] [--option batchSize=8 …] [--repeats k] [--role R] [--wait] [--json]
       canary model retire N@V [--json]     not run on new patterns, out of reports, refused by the gate
       canary model restore N@V [--json]    a candidate again; its missing results are queued

Registers a candidate model and queues its evaluation on every active pattern.
  --adapter   one of ${ADAPTERS.join(', ')}
  --option    an adapter option (values read as JSON when they parse, e.g. --option labels='["neg","pos"]')
  --role      candidate (default), grader or embedder: graders and embedders serve judge / similar
              checks and are not evaluated (docs/generative.md)
  --wait      wait until the evaluation is done, with progress on stderr`;

export async function modelCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'retire' || sub === 'restore') return modelControlCommand(ctx, sub, rest);
  if (sub !== 'register')
    return usageError(sub ? `Unknown model subcommand "${sub}".` : 'Missing subcommand.', MODEL_USAGE);
  const { values, positionals } = parse(
    rest,
    {
      name: { type: 'string' },
      version: { type: 'string' },
      adapter: { type: 'string' },
      url: { type: 'string' },
      metric: { type: 'string', multiple: true },
      option: { type: 'string', multiple: true },
      repeats: { type: 'string' },
      role: { type: 'string' },
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    MODEL_USAGE,
  );
  noPositionals(positionals, MODEL_USAGE);
  for (const flag of ['name', 'version', 'adapter', 'url'] as const) {
    if (!values[flag]) usageError(`--${flag} is required.`, MODEL_USAGE);
  }
  const adapter = values.adapter as string;
  if (!(ADAPTERS as readonly string[]).includes(adapter)) {
    usageError(`--adapter must be one of ${ADAPTERS.join(', ')}, got "${adapter}".`, MODEL_USAGE);
  }
  let repeats: number | undefined;
  if (values.repeats !== undefined) {
    repeats = Number(values.repeats);
    if (!Number.isInteger(repeats) || repeats < 1)
      usageError('--repeats must be a whole number of at least 1.', MODEL_USAGE);
  }
  const role = values.role;
  if (role !== undefined && role !== 'candidate' && role !== 'grader' && role !== 'embedder')
    usageError(`--role must be candidate, grader or embedder, got "${role}".`, MODEL_USAGE);
  const request: RegisterModelRequest = {
    name: values.name as string,
    version: values.version as string,
    endpoint: {
      ...Object.fromEntries((values.option ?? []).map((o) => keyValue(o, '--option', MODEL_USAGE))),
      adapter: adapter as EndpointConfig['adapter'],
      url: values.url as string,
    },
    metrics: Object.fromEntries((values.metric ?? []).map((m) => keyNumber(m, '--metric', MODEL_USAGE))),
    ...(repeats === undefined ? {} : { repeats }),
    ...(role === undefined ? {} : { role: role as NonNullable<RegisterModelRequest['role']> }),
  };

  const client = await ctx.openClient();
  try {
    const registered = await client.registerModel(request);
    const ref = formatModelRef(request);
    if (registered.evaluationId === null && request.role !== undefined && request.role !== 'candidate') {
      if (values.json) ctx.stdout.write(`${JSON.stringify(registered)}\n`);
      else
        ctx.stdout.write(`Registered ${ref} as a ${request.role} (model ${registered.id}); not evaluated.\n`);
      return 0;
    }
    // Stored but not queued (Redis was down): an infrastructure error, with the way to finish it.
    if (registered.evaluationId === null) {
      throw new CliFailure(
        registered.warning ?? `${ref} is registered, but its evaluation could not be queued.`,
      );
    }
    const evaluationId = registered.evaluationId;
    if (!values.json)
      ctx.stdout.write(`Registered ${ref} (model ${registered.id}); evaluation ${evaluationId} queued.\n`);
    const evaluation = values.wait ? await waitForEvaluation(client, evaluationId, ctx.stderr) : null;
    if (values.json) ctx.stdout.write(`${JSON.stringify({ ...registered, evaluation })}\n`);
    else if (evaluation) {
      ctx.stdout.write(`Evaluation ${evaluation.id} done: ${evaluation.total} runs.\n`);
    }
    return 0;
  } finally {
    await client.close();
  }
}

async function modelControlCommand(
  ctx: CliContext,
  sub: 'retire' | 'restore',
  argv: string[],
): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, MODEL_USAGE);
  if (positionals.length !== 1)
    usageError(`\`model ${sub}\` takes one model, e.g. sentiment@v3.`, MODEL_USAGE);
  const ref = modelRefArg(positionals[0], 'the model', MODEL_USAGE);
  const client = await ctx.openClient();
  try {
    const result = sub === 'retire' ? await client.retireModel(ref) : await client.restoreModel(ref);
    if (values.json) ctx.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      const name = `${ref.name}@${ref.version}`;
      ctx.stdout.write(
        sub === 'retire' ? `${name} is retired.\n` : `${name} is restored (status ${result.model.status}).\n`,
      );
      if ('warning' in result && result.warning) ctx.stderr.write(`canary: ${result.warning}\n`);
    }
    return 0;
  } finally {
    await client.close();
  }
}
