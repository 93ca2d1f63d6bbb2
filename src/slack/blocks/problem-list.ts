import type { KnownBlock } from '@slack/types';
import { formatRate } from '../../core/metrics.ts';
import type { ProblemStatus, Severity } from '../../core/problem.ts';
import { meetsThreshold } from '../../core/threshold.ts';
import { capBlocks, LIMITS, mrkdwnSection, safe } from './limits.ts';
import type { SlackMessageContent } from './problem-card.ts';
import { thresholdText } from './problem-card.ts';

export interface ProblemRowData {
  key: string;
  title: string;
  status: ProblemStatus;
  severity: Severity;
  threshold: number | null;
  patternCount: number;
  /** Newest models last, as services return them. */
  rates: { model: string; passRate: number | null; n: number }[];
  homeLink?: string | undefined;
}

function rateCell(rate: { passRate: number | null; n: number }, threshold: number | null): string {
  if (rate.n === 0) return '–';
  const met = meetsThreshold(rate.passRate, threshold);
  const mark = met === null ? '' : met ? ' ✓' : ' ✗';
  return `${formatRate(rate.passRate)}${mark}`;
}

export function problemLine(p: ProblemRowData): string {
  const key = p.homeLink ? `<${p.homeLink}|${p.key}>` : p.key;
  const rates = p.rates.map((r) => `${safe(r.model, 80)} ${rateCell(r, p.threshold)}`).join(' · ');
  return [
    `*${key}* ${safe(p.title, 300)}`,
    `${p.status.replace('_', ' ')} · ${p.severity} · threshold ${thresholdText(p.threshold)} · ${p.patternCount} patterns`,
    rates ? rates : 'no models evaluated yet',
  ].join('\n');
}

/** `/problem list`: one section per problem, capped to Slack's 50 blocks with a "… more" line. */
export function problemList(problems: ProblemRowData[], heading: string): SlackMessageContent {
  if (problems.length === 0) {
    return {
      text: `${heading}: none.`,
      blocks: [mrkdwnSection(`*${heading}*: none yet. Create one with \`/problem new <title>\`.`)],
    };
  }
  const blocks: KnownBlock[] = [mrkdwnSection(`*${heading}* (${problems.length})`)];
  for (const p of problems) blocks.push(mrkdwnSection(problemLine(p)));
  return {
    text: `${heading}: ${problems.map((p) => p.key).join(', ')}`.slice(0, LIMITS.messageText),
    blocks: capBlocks(
      blocks,
      LIMITS.messageBlocks,
      (n) => `…and ${n} more. See the App Home tab for all of them.`,
    ),
  };
}

export function usageMessage(error: string | null, usage: string): SlackMessageContent {
  const blocks: KnownBlock[] = [];
  if (error) blocks.push(mrkdwnSection(`:warning: ${safe(error)}`));
  blocks.push(mrkdwnSection(usage));
  return { text: error ? `${safe(error)}\n${usage}` : usage, blocks };
}

export function sentence(text: string): SlackMessageContent {
  return { text, blocks: [mrkdwnSection(text)] };
}
