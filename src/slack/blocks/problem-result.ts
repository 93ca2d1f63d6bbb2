import type { KnownBlock } from '@slack/types';
import type { Comparison, Verdict } from '../../core/compare.ts';
import { describeNotComparable } from '../../core/compare.ts';
import { assessEvidence, type Evidence } from '../../core/evidence.ts';
import type { Metrics } from '../../core/metrics.ts';
import { formatInterval, formatRate } from '../../core/metrics.ts';
import { truncate } from '../../core/text.ts';
import { ACTION } from './ids.ts';
import { context, LIMITS, mrkdwnSection, plain, safe } from './limits.ts';
import { type ResultIds, resultIdsValue } from './result-ids.ts';
import {
  CHANGES_SHOWN,
  type ChangedPattern,
  changeList,
  imageBlock,
  type MessageContent,
  verdictText,
} from './result-text.ts';
import { suggestButton } from './suggestions.ts';

/** One evaluation's result on one affected problem, posted in the problem's home thread. Pure: data in, blocks out. */

export interface ProblemResultView {
  model: string;
  problem: { key: string; title: string; threshold: number | null };
  metrics: Metrics;
  previous: { model: string; comparison: Comparison } | null;
  production: { model: string; comparison: Comparison } | null;
  verdict: Verdict | null;
  thresholdMet: boolean | null;
  broken: ChangedPattern[];
  fixed: ChangedPattern[];
  /** QuickChart mode: the chart travels in the message as an image block. */
  chartUrl?: string | undefined;
  /** QuickChart mode: the pattern grid (pass / fail / error per pattern per model), as a second image block. */
  gridChartUrl?: string | undefined;
  /** What the buttons act on; without it (previews) the message has no buttons. */
  ids?: ResultIds | undefined;
  /** What these patterns can show; computed from metrics and the comparison when not given. */
  evidence?: Evidence | undefined;
  /** A pattern to grow related cases from (a failing one), for the button beside the evidence sentence. */
  suggestPatternId?: number | null | undefined;
}

function thresholdLine(threshold: number | null, met: boolean | null): string {
  if (threshold === null) return 'Not gated (no threshold)';
  if (met === null) return `Threshold ${formatRate(threshold)}: not rated`;
  return met
    ? `:white_check_mark: Meets its ${formatRate(threshold)} threshold`
    : `:x: Below its ${formatRate(threshold)} threshold`;
}

function againstLine(
  label: string,
  against: { model: string; comparison: Comparison } | null,
): string | null {
  if (!against) return null;
  const c = against.comparison;
  const apart = describeNotComparable(c);
  const note = apart === null ? '' : ` · ${safe(apart, 300)}`;
  if (c.paired === 0) return `vs ${label} \`${safe(against.model, 100)}\`: no patterns in common${note}`;
  return (
    `vs ${label} \`${safe(against.model, 100)}\`: ${formatRate(c.baselinePassRate)} → ${formatRate(c.candidatePassRate)}` +
    ` on ${c.paired} shared, ${c.fixed.length} fixed, ${c.broken.length} broken — ${verdictText(c.verdict)}${note}`
  );
}

export function problemResultMessage(view: ProblemResultView): MessageContent {
  const { problem, metrics } = view;
  const name = `${problem.key} — ${problem.title}`;
  const rate = `${formatRate(metrics.passRate)} ${formatInterval(metrics.ci)} (n=${metrics.n}${
    metrics.errored > 0 ? `, ${metrics.errored} errored` : ''
  }${metrics.flaky > 0 ? `, ${metrics.flaky} flaky` : ''})`;
  const lines = [
    `*\`${safe(view.model, 100)}\` on ${safe(name, 200)}*`,
    `Pass rate ${rate}`,
    `Verdict: *${verdictText(view.verdict)}* · ${thresholdLine(problem.threshold, view.thresholdMet)}`,
    againstLine('previous', view.previous),
    againstLine('production', view.production),
  ].filter((l): l is string => l !== null);
  const blocks: KnownBlock[] = [mrkdwnSection(lines.join('\n'))];
  const evidence = evidenceBlock(view);
  if (evidence) blocks.push(evidence);
  const broken = changeList('Newly broken', view.broken);
  const fixed = changeList('Newly fixed', view.fixed);
  if (broken) blocks.push(mrkdwnSection(broken));
  if (fixed) blocks.push(mrkdwnSection(fixed));
  if (view.chartUrl)
    blocks.push(
      imageBlock(view.chartUrl, `${problem.key} pass rate per model`, `${problem.key} across models`),
    );
  if (view.gridChartUrl)
    blocks.push(
      imageBlock(
        view.gridChartUrl,
        `${problem.key} pattern outcomes per model`,
        `${problem.key} patterns per model`,
      ),
    );
  if (view.ids) {
    const truncated = view.broken.length > CHANGES_SHOWN || view.fixed.length > CHANGES_SHOWN;
    blocks.push(resultActions(view.ids, view.model, problem.key, truncated));
  }
  const text = truncate(
    `${view.model} on ${problem.key}: ${formatRate(metrics.passRate)} ${formatInterval(metrics.ci)}, ${verdictText(view.verdict).replace(/:[a-z_]+: /, '')}`,
    LIMITS.messageText,
  );
  return { text, blocks };
}

/**
 * The evidence sentence ("Not enough patterns to tell: …"); when the patterns are too few, with the button
 * that proposes related cases beside it, so the fix is one click from the diagnosis.
 */
function evidenceBlock(view: ProblemResultView): KnownBlock | null {
  const evidence =
    view.evidence ??
    assessEvidence({
      metrics: view.metrics,
      threshold: view.problem.threshold,
      comparison: (view.previous ?? view.production)?.comparison,
    });
  if (evidence.status === 'not_applicable') return null;
  if (evidence.status === 'enough') return context(evidence.sentence);
  const section = mrkdwnSection(`:mag: ${evidence.sentence}`);
  const from = view.suggestPatternId ?? view.broken[0]?.patternId ?? view.fixed[0]?.patternId;
  return view.ids && from !== undefined && from !== null
    ? ({ ...section, accessory: suggestButton(from) } as KnownBlock)
    : section;
}

function resultActions(ids: ResultIds, model: string, problemKey: string, truncated: boolean): KnownBlock {
  const value = resultIdsValue(ids);
  return {
    type: 'actions',
    block_id: `result:${ids.evaluationId}:${ids.problemId}`,
    elements: [
      ...(truncated
        ? [
            {
              type: 'button' as const,
              action_id: ACTION.resultShowAll,
              text: plain('Show all', LIMITS.buttonText),
              value,
            },
          ]
        : []),
      {
        type: 'button',
        action_id: ACTION.resultSignOff,
        text: plain('Sign off', LIMITS.buttonText),
        value,
        // Signing off vouches for this model's rate on the problem; one stray click should not do that.
        confirm: {
          title: plain('Sign off?', 100),
          text: plain(`Sign off ${problemKey} at ${model}'s current pass rate?`, 300),
          confirm: plain('Sign off', 30),
          deny: plain('Cancel', 30),
        },
      },
    ],
  };
}
