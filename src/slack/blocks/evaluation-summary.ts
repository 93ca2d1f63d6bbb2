import type { KnownBlock } from '@slack/types';
import type { Verdict } from '../../core/compare.ts';
import type { GateVerdict } from '../../core/gate.ts';
import type { Metrics } from '../../core/metrics.ts';
import { formatInterval, formatRate } from '../../core/metrics.ts';
import { context, header, mrkdwnSection, safe } from './limits.ts';
import { imageBlock, type MessageContent, verdictText } from './result-text.ts';

/** The run summary, in the channel the model was registered from. Pure: data in, blocks out. */

export interface SummaryView {
  model: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  trigger: string;
  progress: { total: number; done: number; passed: number; failed: number; errored: number };
  /** Set once done. */
  problems?: {
    key: string;
    title: string;
    metrics: Metrics;
    verdict: Verdict | null;
    thresholdMet: boolean | null;
  }[];
  gate?: GateVerdict;
  error?: string | null;
  chartUrl?: string | undefined;
  /** QuickChart mode: reported training metrics per model, shown beside the pass rates. */
  metricsChartUrl?: string | undefined;
  /** One line each for the candidate and every grader: requests, tokens, money (docs/generative.md). */
  costLines?: string[] | undefined;
  /** What users think, beside the pass rates; absent when nobody rated the model. */
  users?: SummaryUsers | undefined;
}

export interface SummaryUsers {
  /** `users: 82% 👍 on v3 [76–87%] vs 74% on v2, p = 0.01` */
  line: string;
  /** By problem key: ratings of the observations its patterns were made from. */
  perProblem: Record<string, { share: number | null; n: number }>;
  /** QuickChart mode: share of 👍 per day, by version. */
  chartUrl?: string | undefined;
}

function usersOnProblem(users: SummaryUsers | undefined, key: string): string {
  const s = users?.perProblem[key];
  if (!s || s.share === null || s.n === 0) return '';
  return ` · users ${Math.round(s.share * 100)}% 👍 (n=${s.n})`;
}

const SUMMARY_PROBLEMS_SHOWN = 20;

function progressBar(done: number, total: number): string {
  const width = 20;
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `\`${'█'.repeat(filled)}${'░'.repeat(width - filled)}\` ${done}/${total}`;
}

export function evaluationSummaryMessage(view: SummaryView): MessageContent {
  const { progress: p } = view;
  const model = safe(view.model, 100);
  const counts = `${p.passed} passed · ${p.failed} failed · ${p.errored} errored`;
  if (view.state === 'queued' || view.state === 'running') {
    return {
      text: `Evaluating ${view.model}: ${p.done}/${p.total}`,
      blocks: [
        mrkdwnSection(
          `:hourglass_flowing_sand: *Evaluating \`${model}\`* (${view.trigger})\n${progressBar(p.done, p.total)}`,
        ),
        context(counts),
      ],
    };
  }
  if (view.state === 'failed') {
    return {
      text: `Evaluation of ${view.model} failed`,
      blocks: [
        mrkdwnSection(
          `:x: *Evaluation of \`${model}\` failed*${view.error ? `\n${safe(view.error, 1000)}` : ''}`,
        ),
        context(`${p.done}/${p.total} done · ${counts}`),
      ],
    };
  }
  const gate = view.gate;
  const headline = gate
    ? gate.pass
      ? `:white_check_mark: *\`${model}\` passes the gate*`
      : `:no_entry: *\`${model}\` fails the gate*`
    : `*\`${model}\` evaluated*`;
  const blocks: KnownBlock[] = [header(`Results: ${view.model}`), mrkdwnSection(headline)];
  const problems = view.problems ?? [];
  if (problems.length > 0) {
    const tooFew = new Set(
      (gate?.problems ?? []).filter((p) => p.status === 'too_few_patterns').map((p) => p.key),
    );
    const rows = problems.slice(0, SUMMARY_PROBLEMS_SHOWN).map((row) => {
      const met = row.thresholdMet === null ? '' : row.thresholdMet ? ' ✓' : ' ✗ below threshold';
      const verdict =
        row.verdict === null || row.verdict === 'no_clear_change' ? '' : ` · ${verdictText(row.verdict)}`;
      const evidence = tooFew.has(row.key) ? ' · :mag: too few patterns to tell' : '';
      const users = usersOnProblem(view.users, row.key);
      return `• ${safe(row.key, 20)} ${safe(row.title, 80)}: ${formatRate(row.metrics.passRate)} ${formatInterval(row.metrics.ci)}${met}${verdict}${evidence}${users}`;
    });
    if (problems.length > SUMMARY_PROBLEMS_SHOWN)
      rows.push(`_… and ${problems.length - SUMMARY_PROBLEMS_SHOWN} more problems_`);
    blocks.push(mrkdwnSection(rows.join('\n')));
  }
  if (view.users) blocks.push(mrkdwnSection(`*What users think* ${safe(view.users.line, 500)}`));
  if (gate && gate.reasons.length > 0) {
    blocks.push(
      mrkdwnSection(
        `*Why*\n${gate.reasons
          .slice(0, 10)
          .map((r) => `• ${safe(r, 300)}`)
          .join('\n')}`,
      ),
    );
  }
  if (view.chartUrl)
    blocks.push(
      imageBlock(view.chartUrl, 'Pass rate per problem across candidate models', 'Problems over models'),
    );
  if (view.metricsChartUrl)
    blocks.push(imageBlock(view.metricsChartUrl, 'Reported training metrics per model', 'Training metrics'));
  if (view.users?.chartUrl)
    blocks.push(imageBlock(view.users.chartUrl, 'Share of 👍 per day, by model version', 'What users think'));
  if (view.costLines && view.costLines.length > 0)
    blocks.push(
      context(
        `Cost: ${view.costLines
          .slice(0, 6)
          .map((l) => safe(l, 200))
          .join(' | ')}`,
      ),
    );
  blocks.push(context(`${p.done}/${p.total} runs · ${counts} · details in each problem's thread`));
  const verdict = gate ? (gate.pass ? 'passes the gate' : 'fails the gate') : 'evaluated';
  return { text: `${view.model} ${verdict}`, blocks };
}
