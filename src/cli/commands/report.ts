import { writeFile } from 'node:fs/promises';
import { renderPng } from '../../charts/render.ts';
import { formatInterval, formatRate } from '../../core/metrics.ts';
import { formatModelRef } from '../../core/model.ts';
import { describeEvaluationCost } from '../../db/queries/costs.ts';
import { FAILING_SHOWN } from '../../services/report-failures.ts';
import { modelRefArg, noPositionals, parse } from '../args.ts';
import type { ModelReport } from '../client.ts';
import type { CliContext } from '../context.ts';
import { CliFailure } from '../failure.ts';
import { clip, renderTable, terminalText } from '../output/table.ts';

const REPORT_USAGE = `Usage: canary report --model N@V [--json] [--satisfaction-chart FILE.png]

The model's pass rate on every problem, with its 95% interval and threshold, and what users think of it
(share of 👍 among ratings, compared with the production or previous version). Nothing is said about users
when nobody rated the model. --satisfaction-chart draws share of 👍 per day for every version of the name.`;

export async function reportCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { model: { type: 'string' }, json: { type: 'boolean' }, 'satisfaction-chart': { type: 'string' } },
    REPORT_USAGE,
  );
  noPositionals(positionals, REPORT_USAGE);
  const ref = modelRefArg(values.model, '--model', REPORT_USAGE);
  const client = await ctx.openClient();
  try {
    const report = await client.report(ref);
    const chartFile = values['satisfaction-chart'];
    if (chartFile) {
      if (!report.satisfactionOverTime)
        throw new CliFailure(
          `Nobody has rated ${formatModelRef(report.model)} yet: there is no chart to draw.`,
          1,
        );
      await writeFile(chartFile, await renderPng(report.satisfactionOverTime.chart));
    }
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    ctx.stdout.write(`${formatModelRef(report.model)} (${report.model.status})\n`);
    ctx.stdout.write(`${usersText(report.satisfaction)}\n`);
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

/** The users' line and, where complaints became patterns, their ratings per problem; nothing without ratings. */
function usersText(s: ModelReport['satisfaction']): string {
  if (s.satisfaction.n === 0) return '';
  const byProblem = s.perProblem
    .filter((p) => p.satisfaction.share !== null)
    .map((p) => `  - ${p.key}: ${formatRate(p.satisfaction.share)} 👍 (n=${p.satisfaction.n})`);
  return `${s.line}\n${byProblem.length > 0 ? `Users by problem:\n${byProblem.join('\n')}\n` : ''}`;
}
