import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { formatInterval, formatRate } from '../../core/metrics.ts';
import { type ModelRef, parseModelRef } from '../../core/model.ts';
import { modelRefArg, noPositionals, parse } from '../args.ts';
import type { CliContext } from '../context.ts';
import { CliFailure, EXIT, usageError } from '../failure.ts';
import { type GateView, toGateView } from '../output/gate-view.ts';
import { renderJunit } from '../output/junit.ts';
import { renderMarkdown } from '../output/markdown.ts';
import { clip, renderTable } from '../output/table.ts';
import { waitForEvaluation } from '../wait.ts';

export const GATE_USAGE = `Usage: canary gate --model N@V [--baseline production|none|N@V] [--strict] [--ratings] [--wait]
                   [--require-evidence] [--junit FILE] [--markdown FILE] [--json]

Exit 0 when every gated problem meets its threshold and nothing regressed significantly against the
baseline, 1 when the gate fails, 2 on usage or infrastructure errors.
  --baseline   model to compare with (default: the production model of the same name)
  --strict     also fail when a problem's 95% interval reaches below its threshold
  --require-evidence
               also fail problems whose patterns are too few to tell (status too_few_patterns:
               the interval straddles the threshold, or a 20-point change would likely go unseen)
  --ratings    also fail when users' 👍 share dropped significantly against the baseline (Fisher's exact test)
  --wait       first run any patterns the model has no result for, and wait for them
  --junit      write a JUnit XML report (one suite per problem, one case per pattern)
  --markdown   write a Markdown table for a pull-request comment
  --json       print the verdict as JSON on stdout, nothing else`;

export async function gateCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      model: { type: 'string' },
      baseline: { type: 'string' },
      strict: { type: 'boolean' },
      'require-evidence': { type: 'boolean' },
      ratings: { type: 'boolean' },
      wait: { type: 'boolean' },
      junit: { type: 'string' },
      markdown: { type: 'string' },
      json: { type: 'boolean' },
    },
    GATE_USAGE,
  );
  noPositionals(positionals, GATE_USAGE);
  const model = modelRefArg(values.model, '--model', GATE_USAGE);
  const baseline = baselineArg(values.baseline);
  const strict = values.strict === true;

  const client = await ctx.openClient();
  let view: GateView;
  let satisfactionLine: string | null = null;
  try {
    if (values.wait) {
      const { evaluationId } = await client.evaluateModel(model);
      await waitForEvaluation(client, evaluationId, ctx.stderr);
    }
    const ratings = values.ratings === true;
    const report = await client.gate({
      model,
      ...(baseline === undefined ? {} : { baseline }),
      strict,
      ...(values['require-evidence'] ? { requireEvidence: true } : {}),
      ratings,
    });
    view = toGateView(report, strict);
    if (ratings) satisfactionLine = report.satisfaction.line;
  } finally {
    await client.close();
  }

  if (values.junit)
    await writeReport(values.junit, renderJunit(view, { hostname: hostname(), now: new Date() }));
  if (values.markdown) await writeReport(values.markdown, renderMarkdown(view));
  if (values.json) ctx.stdout.write(`${JSON.stringify(jsonOf(view))}\n`);
  else ctx.stdout.write(renderText(view) + (satisfactionLine ? `\n${satisfactionLine}\n` : ''));
  return view.pass ? EXIT.ok : EXIT.gateFailed;
}

function baselineArg(value: string | undefined): 'production' | ModelRef | null | undefined {
  if (value === undefined || value === 'production') return value;
  if (value === 'none') return null;
  const parsed = parseModelRef(value);
  if (!parsed.ok) return usageError(`--baseline: ${parsed.error} Or use "production" or "none".`, GATE_USAGE);
  return parsed.value;
}

async function writeReport(file: string, content: string): Promise<void> {
  try {
    await writeFile(file, content, 'utf8');
  } catch (err) {
    throw new CliFailure(`Cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
  }
}

function jsonOf(view: GateView) {
  return {
    ...view,
    problems: view.problems.map(({ patterns, ...p }) => ({
      ...p,
      failingPatterns: patterns.filter((x) => x.status !== 'passed'),
    })),
  };
}

function renderText(view: GateView): string {
  const lines = [
    `Gate for ${view.model}${view.baseline ? ` against ${view.baseline}` : ' (no baseline)'}${view.strict ? ', strict' : ''}: ${
      view.pass ? 'PASSED' : 'FAILED'
    }`,
    '',
  ];
  const rows = view.problems.map((p) => [
    p.key,
    clip(p.title, 36),
    p.n > 0 ? `${formatRate(p.passRate)} (${p.passed}/${p.n})` : '–',
    formatInterval(p.ci),
    p.threshold === null ? '–' : formatRate(p.threshold),
    p.status,
    p.vsBaseline
      ? `+${p.vsBaseline.fixed}/-${p.vsBaseline.broken} ${p.vsBaseline.verdict.replace(/_/g, ' ')}`
      : '–',
  ]);
  let text = lines.join('\n');
  text +=
    rows.length === 0
      ? 'No problems with active patterns.\n'
      : renderTable(
          ['Problem', 'Title', 'Pass rate', '95% interval', 'Threshold', 'Status', 'vs baseline'],
          rows,
        );
  if (view.reasons.length > 0)
    text += `\nFailed because:\n${view.reasons.map((r) => `  - ${r}`).join('\n')}\n`;
  if (view.warnings.length > 0) text += `\nWarnings:\n${view.warnings.map((w) => `  - ${w}`).join('\n')}\n`;
  const short = view.problems.filter((p) => p.status === 'too_few_patterns' && p.evidence);
  if (short.length > 0)
    text += `\nToo few patterns to tell:\n${short.map((p) => `  - ${p.key}: ${p.evidence}`).join('\n')}\n`;
  return text;
}
