import { formatInterval, formatRate } from '../../core/metrics.ts';
import { formatModelRef } from '../../core/model.ts';
import { describeEvaluationCost } from '../../db/queries/costs.ts';
import { FAILING_SHOWN } from '../../services/report-failures.ts';
import { modelRefArg, noPositionals, parse } from '../args.ts';
import type { ModelReport } from '../client.ts';
import type { CliContext } from '../context.ts';
import { clip, renderTable, terminalText } from '../output/table.ts';

const REPORT_USAGE = `Usage: canary report --model N@V [--json]

The model's pass rate on every problem, with its 95% interval and threshold, and what users think of it
(share of 👍 among ratings, compared with the production or previous version).`;

export async function reportCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { model: { type: 'string' }, json: { type: 'boolean' } },
    REPORT_USAGE,
  );
  noPositionals(positionals, REPORT_USAGE);
  const ref = modelRefArg(values.model, '--model', REPORT_USAGE);
  const client = await ctx.openClient();
  try {
    const report = await client.report(ref);
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    ctx.stdout.write(`${formatModelRef(report.model)} (${report.model.status})\n`);
    ctx.stdout.write(`${report.satisfaction.line}\n\n`);
    const rows = report.problems.map((p) => [
      p.key,
      clip(p.title, 40),
      p.n > 0 ? `${formatRate(p.passRate)} (${p.passed}/${p.n})` : '–',
      formatInterval(p.ci),
      String(p.errored),
      p.threshold === null ? '–' : formatRate(p.threshold),
      p.meetsThreshold === null ? '–' : p.meetsThreshold ? 'meets' : 'BELOW',
    ]);
    const evidence = report.problems.filter((p) => p.evidence?.status === 'too_few');
    const notes =
      evidence.length === 0
        ? ''
        : `\nEvidence:\n${evidence.map((p) => `  - ${p.key}: ${p.evidence.sentence}`).join('\n')}\n`;
    ctx.stdout.write(
      rows.length === 0
        ? 'No problems with active patterns yet.\n'
        : renderTable(
            ['Problem', 'Title', 'Pass rate', '95% interval', 'Errored', 'Threshold', 'Status'],
            rows,
          ) + notes,
    );
    const failing = failingLines(report.problems);
    if (failing.length > 0)
      ctx.stdout.write(
        `\nFailing patterns (first ${FAILING_SHOWN} per problem, with the output)\n${failing.join('')}`,
      );
    if (report.cost && (report.cost.candidate.requests > 0 || report.cost.graders.length > 0))
      ctx.stdout.write(
        `\nCost\n${describeEvaluationCost(report.cost)
          .map((l) => `  ${l}\n`)
          .join('')}`,
      );
    return 0;
  } finally {
    await client.close();
  }
}

/** "  P-3 #12 failed: “input” → “output” (reason; graded by judge@1)": the answer is what a reader needs. */
function failingLines(problems: ModelReport['problems']): string[] {
  return problems.flatMap((p) =>
    (p.failing ?? []).map((f) => {
      const input = terminalText(typeof f.input === 'string' ? f.input : JSON.stringify(f.input), 60);
      const output = f.output === null ? 'no answer' : `“${terminalText(f.output, 120)}”`;
      const why = [
        f.reason === '' ? null : terminalText(f.reason, 120),
        f.gradedBy ? `graded by ${f.gradedBy}` : null,
      ]
        .filter((x) => x !== null)
        .join('; ');
      return `  ${p.key} #${f.patternId} ${f.status}: “${input}” → ${output}${why === '' ? '' : ` (${why})`}\n`;
    }),
  );
}
