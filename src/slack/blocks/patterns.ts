import type { KnownBlock } from '@slack/types';
import { describeExpectation } from '../../core/expectations/index.ts';
import type { OutcomeStatus } from '../../core/outcome.ts';
import type { Pattern } from '../../core/pattern.ts';
import type { Problem } from '../../core/problem.ts';
import { capBlocks, LIMITS, link, mrkdwnSection, safe } from './limits.ts';
import type { SlackMessageContent } from './problem-card.ts';
import { suggestButton } from './suggestions.ts';

export interface PatternListingData {
  pattern: Pattern;
  outcomes: { model: string; status: OutcomeStatus; flaky: boolean }[];
}

const ICON: Record<OutcomeStatus, string> = { passed: '✓', failed: '✗', errored: '⚠' };

function inputText(pattern: Pattern): string {
  return typeof pattern.input === 'string' ? pattern.input : JSON.stringify(pattern.input);
}

/** `/pattern list P-3`: each pattern's input, expectation and how each model did on it. */
export function patternList(
  problem: Pick<Problem, 'key' | 'title'>,
  patterns: PatternListingData[],
): SlackMessageContent {
  const head = `*${problem.key}* ${safe(problem.title, 300)}`;
  if (patterns.length === 0) {
    return {
      text: `${problem.key} has no patterns yet.`,
      blocks: [mrkdwnSection(`${head}\nNo patterns yet. Add one with \`/pattern add ${problem.key}\`.`)],
    };
  }
  const blocks: KnownBlock[] = [mrkdwnSection(`${head}: ${patterns.length} pattern(s)`)];
  for (const { pattern, outcomes } of patterns) {
    const results = outcomes
      .map((o) => `${safe(o.model, 80)} ${ICON[o.status]}${o.flaky ? ' (flaky)' : ''}`)
      .join(' · ');
    const ref = pattern.sourcePermalink;
    const source = ref && /^https?:\/\//.test(ref) ? ` · ${link(ref, 'source')}` : '';
    const section = mrkdwnSection(
      [
        `#${pattern.id} “${safe(inputText(pattern), 500).replace(/\s+/g, ' ')}”`,
        `expect ${safe(describeExpectation(pattern.expectation), 300)}${pattern.polarity === 'negative' ? ' (negative)' : ''} · ${pattern.source}${source}${pattern.derivedFrom ? ` · from #${pattern.derivedFrom.patternId} (${safe(pattern.derivedFrom.perturbation, 100)})` : ''}`,
        results || 'not evaluated yet',
      ].join('\n'),
    );
    blocks.push({ ...section, accessory: suggestButton(pattern.id) } as KnownBlock);
  }
  return {
    text: `${problem.key}: ${patterns.length} pattern(s)`,
    blocks: capBlocks(blocks, LIMITS.messageBlocks, (n) => `…and ${n} more patterns.`),
  };
}
