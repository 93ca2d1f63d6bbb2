import type { KnownBlock } from '@slack/types';
import { ACTION } from './ids.ts';
import { context, header, LIMITS, mrkdwnSection, plain, safe } from './limits.ts';

/** What a triage line needs; built from services/triage.ts groups. */
export interface TriageLine {
  id: number;
  count: number;
  at: string;
  models: string[];
  input: unknown;
  output: unknown;
  /** The rated Slack message, when the complaint was a reaction. */
  slack?: { channel: string; ts: string } | null;
}

export interface TriageTotals {
  groups: number;
  observations: number;
}

/** Each line is clipped here so that even 10 lines stay far inside a section's 3,000 characters. */
const SHOWN_CHARS = 200;

function show(value: unknown): string {
  const text =
    typeof value === 'string' ? value : value === null || value === undefined ? '–' : JSON.stringify(value);
  return safe(text.replace(/\s+/g, ' '), SHOWN_CHARS);
}

function line(l: TriageLine): string {
  const who = l.models.length > 0 ? safe(l.models.join(', '), SHOWN_CHARS) : 'unattributed';
  const where = l.slack ? ` · in <#${l.slack.channel}>` : '';
  return `*#${l.id}* · 👎 ×${l.count} · ${who} · ${l.at.slice(0, 16).replace('T', ' ')}${where}\n>${show(l.input)}\n→ ${show(l.output)}`;
}

function actions(l: TriageLine): KnownBlock {
  const value = String(l.id);
  return {
    type: 'actions',
    // Unique per line: Slack refuses a view or message with two blocks of the same id.
    block_id: `triage:${l.id}`,
    elements: [
      {
        type: 'button',
        action_id: ACTION.triageAddPattern,
        text: plain('Add as pattern', LIMITS.buttonText),
        value,
        style: 'primary',
      },
      { type: 'button', action_id: ACTION.triageDismiss, text: plain('Dismiss', LIMITS.buttonText), value },
    ],
  };
}

/**
 * The 👎 queue, newest first, identical inputs once with their count, each with its two actions. At most
 * `max` lines (two blocks each) are drawn whatever the queue holds; the header gives the whole queue's size,
 * so a list of 10 000 complaints costs the same 2·max + 2 blocks. User text is escaped and clipped.
 */
export function triageBlocks(
  lines: readonly TriageLine[],
  opts: { max?: number; totals?: TriageTotals } = {},
): KnownBlock[] {
  const max = opts.max ?? 10;
  const shown = lines.slice(0, max);
  const totals = opts.totals ?? {
    groups: lines.length,
    observations: lines.reduce((n, l) => n + l.count, 0),
  };
  const size =
    totals.groups > shown.length
      ? `${shown.length} newest of ${totals.groups} inputs, ${totals.observations} 👎`
      : `${totals.groups}`;
  const blocks: KnownBlock[] = [header(`Untriaged 👎 (${size})`)];
  if (shown.length === 0) {
    blocks.push(context('Nothing to triage: no untriaged 👎 observations.'));
    return blocks;
  }
  for (const l of shown) blocks.push(mrkdwnSection(line(l)), actions(l));
  blocks.push(
    context(
      `*Add as pattern* turns the complaint into a production pattern, back-filled on every model; *Dismiss* takes it off the queue with a reason. Terminal: \`canary observations --rating down --untriaged\`.`,
    ),
  );
  return blocks;
}

export function triageLinesOf(
  groups: readonly {
    observation: {
      id: number;
      at: string;
      input: unknown;
      output: unknown;
      slack?: { channel: string; ts: string } | null;
    };
    count: number;
    models: string[];
  }[],
): TriageLine[] {
  return groups.map((g) => ({
    id: g.observation.id,
    count: g.count,
    at: g.observation.at,
    models: g.models,
    input: g.observation.input,
    output: g.observation.output,
    slack: g.observation.slack ?? null,
  }));
}
