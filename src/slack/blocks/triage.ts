import type { KnownBlock } from '@slack/types';
import { context, header, mrkdwnSection, safe } from './limits.ts';

/** What a triage line needs; built from services/triage.ts groups. */
export interface TriageLine {
  id: number;
  count: number;
  at: string;
  models: string[];
  input: unknown;
  output: unknown;
}

function show(value: unknown): string {
  const text =
    typeof value === 'string' ? value : value === null || value === undefined ? '–' : JSON.stringify(value);
  return safe(text.replace(/\s+/g, ' '), 200);
}

/** The 👎 queue: newest first, identical inputs once with their count. User text is escaped and clipped. */
export function triageBlocks(lines: readonly TriageLine[], max = 10): KnownBlock[] {
  const blocks: KnownBlock[] = [header(`Untriaged 👎 (${lines.length}${lines.length >= max ? '+' : ''})`)];
  if (lines.length === 0) {
    blocks.push(context('Nothing to triage: no untriaged 👎 observations.'));
    return blocks;
  }
  for (const l of lines.slice(0, max)) {
    const who = l.models.length > 0 ? safe(l.models.join(', '), 200) : 'unattributed';
    blocks.push(
      mrkdwnSection(
        `*#${l.id}* · 👎 ×${l.count} · ${who} · ${l.at.slice(0, 16).replace('T', ' ')}\n>${show(l.input)}\n→ ${show(l.output)}`,
      ),
    );
  }
  blocks.push(
    context(
      'Turn one into a pattern: `POST /api/v1/observations/<id>/pattern` · dismiss: `POST /api/v1/observations/<id>/dismiss` · terminal: `canary observations --rating down --untriaged`',
    ),
  );
  return blocks;
}

export function triageLinesOf(
  groups: readonly {
    observation: { id: number; at: string; input: unknown; output: unknown };
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
  }));
}
