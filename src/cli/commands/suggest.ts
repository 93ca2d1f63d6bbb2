import { toJsonl } from '../../core/import-format.ts';
import { proposalDraft } from '../../core/suggest/index.ts';
import { noPositionals, parse } from '../args.ts';
import type { CliContext } from '../context.ts';
import { usageError } from '../failure.ts';

export const SUGGEST_USAGE = `Usage: canary suggest --pattern ID [--n 10] [--seed S]

Prints related cases of a pattern (typos, contractions, punctuation and casing, swapped names, places and
numbers, negation, intensifiers and diminishers), each with the expectation its perturbation implies, as
JSONL in the format \`canary import\` reads. Writes nothing: review the file, then import it.
  --pattern  the pattern id (#12 in Slack)
  --n        how many proposals, 1–50 (default 10)
  --seed     which proposals: the same seed gives the same list (default: the pattern id)`;

export async function suggestCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { pattern: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' } },
    SUGGEST_USAGE,
  );
  noPositionals(positionals, SUGGEST_USAGE);
  const patternId = wholeNumber(values.pattern, '--pattern', true) as number;
  const n = wholeNumber(values.n, '--n', false);
  const seed = wholeNumber(values.seed, '--seed', false);
  const client = await ctx.openClient();
  try {
    const list = await client.suggest({
      patternId,
      ...(n === undefined ? {} : { n }),
      ...(seed === undefined ? {} : { seed }),
    });
    const origin = { problemKey: list.problem, patternId: list.pattern, polarity: list.polarity };
    ctx.stdout.write(toJsonl(list.proposals.map((p) => proposalDraft(origin, p))));
    ctx.stderr.write(
      `${list.proposals.length} related case(s) of pattern #${list.pattern} (${list.problem}), seed ${list.seed}.\n`,
    );
    return 0;
  } finally {
    await client.close();
  }
}

function wholeNumber(value: string | undefined, flag: string, required: boolean): number | undefined {
  if (value === undefined) return required ? usageError(`${flag} is required.`, SUGGEST_USAGE) : undefined;
  const text = value.trim().replace(/^#/, '');
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    return usageError(`${flag} must be a whole number, got "${value}".`, SUGGEST_USAGE);
  return Number(text);
}
