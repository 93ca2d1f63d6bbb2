import type { KnownBlock } from '@slack/types';
import type { Comparison } from '../../core/compare.ts';
import { describeNotComparable } from '../../core/compare.ts';
import type { Metrics } from '../../core/metrics.ts';
import { formatRate } from '../../core/metrics.ts';
import type { ModelStatus } from '../../core/model.ts';
import { meetsThreshold } from '../../core/threshold.ts';
import { capBlocks, LIMITS, mrkdwnSection, safe } from './limits.ts';
import type { SlackMessageContent } from './problem-card.ts';

export interface ModelRowData {
  ref: string;
  status: ModelStatus;
  adapter: string;
  registeredAt: Date;
}

export function modelList(models: ModelRowData[]): SlackMessageContent {
  if (models.length === 0) {
    return {
      text: 'No models yet.',
      blocks: [
        mrkdwnSection('No models yet. Register one with `/model register <name> <version> <adapter> <url>`.'),
      ],
    };
  }
  const blocks: KnownBlock[] = [mrkdwnSection(`*Models* (${models.length})`)];
  for (const m of models) {
    const badge = m.status === 'production' ? ':star: production' : m.status;
    blocks.push(
      mrkdwnSection(
        `*${safe(m.ref, 250)}* · ${badge} · ${safe(m.adapter, 40)} · registered ${m.registeredAt.toISOString().slice(0, 10)}`,
      ),
    );
  }
  return {
    text: `Models: ${models.map((m) => m.ref).join(', ')}`.slice(0, LIMITS.messageText),
    blocks: capBlocks(blocks, LIMITS.messageBlocks, (n) => `…and ${n} more.`),
  };
}

export interface ProblemComparisonData {
  key: string;
  title: string;
  threshold: number | null;
  comparison: Comparison;
  metricsA: Metrics;
  metricsB: Metrics;
}

const VERDICT: Record<Comparison['verdict'], string> = {
  improved: ':large_green_circle: improved',
  regressed: ':red_circle: regressed',
  no_clear_change: ':white_circle: no clear change',
};

function meets(rate: number | null, threshold: number | null): string {
  const met = meetsThreshold(rate, threshold);
  return met === null ? '' : met ? ' ✓' : ' ✗';
}

/** `/model compare`: one line per problem with both pass rates, fixed/broken counts and the verdict. */
export function modelComparison(
  a: string,
  b: string,
  problems: ProblemComparisonData[],
): SlackMessageContent {
  const head = `*${safe(a, 200)}* → *${safe(b, 200)}*`;
  if (problems.length === 0) {
    return {
      text: `${a} vs ${b}: no problems with patterns to compare.`,
      blocks: [mrkdwnSection(`${head}\nNo problems with patterns to compare yet.`)],
    };
  }
  const blocks: KnownBlock[] = [mrkdwnSection(`${head} on ${problems.length} problem(s)`)];
  let improved = 0;
  let regressed = 0;
  for (const p of problems) {
    const c = p.comparison;
    if (c.verdict === 'improved') improved++;
    if (c.verdict === 'regressed') regressed++;
    const rateA = p.metricsA.passRate;
    const rateB = p.metricsB.passRate;
    blocks.push(
      mrkdwnSection(
        [
          `*${p.key}* ${safe(p.title, 300)}`,
          `${formatRate(rateA)}${meets(rateA, p.threshold)} → ${formatRate(rateB)}${meets(rateB, p.threshold)} on ${c.paired} paired patterns · ` +
            `fixed ${c.fixed.length} · broken ${c.broken.length} · ${VERDICT[c.verdict]}` +
            (c.unpaired.length > 0 ? ` · ${c.unpaired.length} without a clear answer on both` : '') +
            notComparableNote(c),
        ].join('\n'),
      ),
    );
  }
  return {
    text: `${a} → ${b}: ${improved} improved, ${regressed} regressed, ${problems.length - improved - regressed} no clear change.`,
    blocks: capBlocks(blocks, LIMITS.messageBlocks, (n) => `…and ${n} more problems.`),
  };
}

/** Pairs graded by different grader versions are named, not silently dropped. */
function notComparableNote(c: Comparison): string {
  const apart = describeNotComparable(c);
  return apart === null ? '' : ` · ${safe(apart, 300)}`;
}
