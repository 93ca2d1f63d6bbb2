import type { KnownBlock } from '@slack/types';
import { formatRate } from '../../core/metrics.ts';
import type { ProblemStatus, Severity } from '../../core/problem.ts';
import { truncate } from '../../core/text.ts';
import { meetsThreshold } from '../../core/threshold.ts';
import { ACTION } from './ids.ts';
import { context, LIMITS, safe } from './limits.ts';

/** What a card shows about a problem; built by the listener from services, rendered here without I/O. */
export interface ProblemCardData {
  key: string;
  title: string;
  description?: string;
  status: ProblemStatus;
  severity: Severity;
  threshold: number | null;
  patternCount: number;
  /** The most recent evaluated model on this problem, if any. */
  latest: { model: string; passRate: number | null; n: number } | null;
}

export interface SlackMessageContent {
  text: string;
  blocks: KnownBlock[];
}

const SEVERITY_ICON: Record<Severity, string> = {
  low: ':white_circle:',
  medium: ':large_yellow_circle:',
  high: ':large_orange_circle:',
  critical: ':red_circle:',
};

export function thresholdText(threshold: number | null): string {
  return threshold === null ? 'not gated' : `≥ ${formatRate(threshold)}`;
}

export function latestText(latest: ProblemCardData['latest'], threshold: number | null): string {
  if (!latest) return 'not evaluated yet';
  const rate = formatRate(latest.passRate);
  const met = meetsThreshold(latest.passRate, threshold);
  const verdict = met === null ? '' : met ? ' :white_check_mark:' : ' :x:';
  return `${rate}${verdict} on ${safe(latest.model, 200)} (n=${latest.n})`;
}

/** The problem's home message: its thread collects every update about it. */
export function problemCard(p: ProblemCardData): SlackMessageContent {
  const title = safe(p.title, 500);
  const lines = [
    `${SEVERITY_ICON[p.severity]} *${p.key}* · ${title}`,
    p.description ? `>${safe(p.description, 1500).replace(/\n/g, '\n>')}` : '',
  ].filter(Boolean);
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.sectionText) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Status*\n${p.status.replace('_', ' ')}` },
        { type: 'mrkdwn', text: `*Threshold*\n${thresholdText(p.threshold)}` },
        { type: 'mrkdwn', text: `*Patterns*\n${p.patternCount}` },
        {
          type: 'mrkdwn',
          text: `*Latest pass rate*\n${truncate(latestText(p.latest, p.threshold), LIMITS.field - 30)}`,
        },
      ],
    },
    {
      type: 'actions',
      block_id: `problem_card:${p.key}`,
      elements: [
        {
          type: 'button',
          action_id: ACTION.problemAddPattern,
          text: { type: 'plain_text', text: 'Add pattern' },
          value: p.key,
          style: 'primary',
        },
        {
          type: 'button',
          action_id: ACTION.problemSetThreshold,
          text: { type: 'plain_text', text: 'Set threshold' },
          value: p.key,
        },
        {
          type: 'button',
          action_id: ACTION.problemSignOff,
          text: { type: 'plain_text', text: 'Sign off' },
          value: p.key,
        },
      ],
    },
    context('Updates about this problem are posted in this thread.'),
  ];
  return {
    text: truncate(
      `${p.key}: ${safe(p.title, 500)} (threshold ${thresholdText(p.threshold)}, ${p.patternCount} patterns)`,
      LIMITS.messageText,
    ),
    blocks,
  };
}
