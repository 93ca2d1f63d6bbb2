import { describeNotComparable } from '../../core/compare.ts';
import { formatRate } from '../../core/metrics.ts';
import { formatModelRef } from '../../core/model.ts';
import { modelRefArg, parse } from '../args.ts';
import type { CliContext } from '../context.ts';
import { usageError } from '../failure.ts';
import { clip, renderTable } from '../output/table.ts';

const COMPARE_USAGE = `Usage: canary compare N@V1 N@V2 [--json]

Compares the second model (candidate) with the first (baseline) on the same pattern revisions:
patterns fixed and broken per problem, with an exact McNemar test.`;

export async function compareCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, COMPARE_USAGE);
  if (positionals.length !== 2)
    usageError('Give two models: baseline and candidate, as name@version.', COMPARE_USAGE);
  const a = modelRefArg(positionals[0], 'The baseline', COMPARE_USAGE);
  const b = modelRefArg(positionals[1], 'The candidate', COMPARE_USAGE);
  const client = await ctx.openClient();
  try {
    const result = await client.compare(a, b);
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    const refA = formatModelRef(result.a);
    const refB = formatModelRef(result.b);
    ctx.stdout.write(`${refB} compared with ${refA}\n\n`);
    const rows = result.problems.map((p) => [
      p.key,
      clip(p.title, 40),
      formatRate(p.comparison.baselinePassRate),
      formatRate(p.comparison.candidatePassRate),
      String(p.comparison.fixed.length),
      String(p.comparison.broken.length),
      String(p.comparison.paired),
      p.comparison.pValue < 0.001 ? '<0.001' : p.comparison.pValue.toFixed(3),
      p.comparison.verdict.replace(/_/g, ' '),
    ]);
    ctx.stdout.write(
      rows.length === 0
        ? 'No problems with active patterns yet.\n'
        : renderTable(['Problem', 'Title', refA, refB, 'Fixed', 'Broken', 'Paired', 'p', 'Verdict'], rows),
    );
    // Pairs graded by different grader versions are out of Fixed/Broken/p; say how many and why.
    const apart = result.problems.flatMap((p) => {
      const note = describeNotComparable(p.comparison);
      return note === null ? [] : [`${p.key}: ${note}, left out of the comparison\n`];
    });
    if (apart.length > 0) ctx.stdout.write(`\n${apart.join('')}`);
    return 0;
  } finally {
    await client.close();
  }
}
