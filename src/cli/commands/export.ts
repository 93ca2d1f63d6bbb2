import { noPositionals, parse } from '../args.ts';
import type { CliContext } from '../context.ts';

const EXPORT_USAGE = `Usage: canary export [--problem KEY]

Prints the active patterns (of one problem, or all) as JSONL on stdout, in the format \`canary import\` reads.`;

export async function exportCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { problem: { type: 'string' } }, EXPORT_USAGE);
  noPositionals(positionals, EXPORT_USAGE);
  const client = await ctx.openClient();
  try {
    ctx.stdout.write(await client.exportPatterns(values.problem ? { problem: values.problem } : {}));
    return 0;
  } finally {
    await client.close();
  }
}
