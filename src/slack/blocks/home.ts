import type { HomeView, KnownBlock } from '@slack/types';
import { formatRate } from '../../core/metrics.ts';
import { capBlocks, context, header, LIMITS, mrkdwnSection, safe } from './limits.ts';
import { type ProblemRowData, problemLine } from './problem-list.ts';
import { type TriageLine, type TriageTotals, triageBlocks } from './triage.ts';

export interface HomeData {
  /** Untriaged 👎 observation groups, newest first, and the size of the whole queue. */
  triage?: { lines: TriageLine[]; totals: TriageTotals };
  problems: ProblemRowData[];
  awaitingSignoff: { key: string; title: string; model: string; passRate: number }[];
  /** One line per model name users rated (`support-bot — users: 82% 👍 on v3 …`); empty: no section. */
  users?: string[];
  flags: { channel: string; flaggedBy: string; patternId: number | null; createdAt: Date }[];
  now: Date;
}

/** App Home: the problems × latest models table, what can be signed off, and the latest flags. */
export function homeView(data: HomeData): HomeView {
  const blocks: KnownBlock[] = [header('Canary')];
  blocks.push(context(`Updated ${data.now.toISOString().slice(0, 16).replace('T', ' ')} UTC`));

  blocks.push(header('Awaiting sign-off'));
  if (data.awaitingSignoff.length === 0)
    blocks.push(context('Nothing meets its threshold without a sign-off.'));
  for (const s of data.awaitingSignoff.slice(0, 10)) {
    blocks.push(
      mrkdwnSection(`*${s.key}* ${safe(s.title, 200)}: ${formatRate(s.passRate)} on ${safe(s.model, 100)}`),
    );
  }

  blocks.push(header('Recent flags'));
  if (data.flags.length === 0) blocks.push(context('No flagged messages yet.'));
  else {
    const lines = data.flags
      .slice(0, 10)
      .map(
        (f) =>
          `<#${f.channel}> by <@${f.flaggedBy}> · ${f.patternId === null ? 'waiting for a pattern' : `pattern #${f.patternId}`}`,
      );
    blocks.push(mrkdwnSection(lines.join('\n')));
  }

  // Only when someone rated something: a section saying "no ratings" on every home would be noise.
  if (data.users && data.users.length > 0) {
    blocks.push(header('What users think'));
    blocks.push(
      mrkdwnSection(
        data.users
          .slice(0, 10)
          .map((l) => safe(l, 280))
          .join('\n'),
      ),
    );
  }

  if (data.triage) blocks.push(...triageBlocks(data.triage.lines, { max: 5, totals: data.triage.totals }));

  // Problems last: they are the long list, and capping trims them rather than the short sections above.
  blocks.push(header(`Open problems (${data.problems.length})`));
  if (data.problems.length === 0)
    blocks.push(context('No open problems. Create one with `/problem new <title>`.'));
  for (const p of data.problems) blocks.push(mrkdwnSection(problemLine(p)));

  return {
    type: 'home',
    blocks: capBlocks(
      blocks,
      LIMITS.viewBlocks,
      (n) => `…and ${n} more. Use \`/problem list\` to see them all.`,
    ),
  };
}
