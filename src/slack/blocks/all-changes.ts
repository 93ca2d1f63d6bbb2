import type { Expectation, Prediction } from '../../core/expectations/handler.ts';
import { describeExpectation } from '../../core/expectations/index.ts';
import { gradedByOf } from '../../core/outcome.ts';
import { truncate } from '../../core/text.ts';
import { context, LIMITS, mrkdwnSection, packLines, safe } from './limits.ts';
import { type ChangedPattern, type MessageContent, patternText } from './result-text.ts';

/** The complete list of a problem's changed patterns ("Show all"). Pure: data in, blocks out. */

/** One changed pattern with what it asks for and what the model said, for the complete list. */
export interface ChangeDetail extends ChangedPattern {
  expectation: Expectation;
  prediction: Omit<Prediction, 'raw'> | null;
}

export interface AllChangesView {
  model: string;
  problem: { key: string; title: string };
  /** The model the changes are measured against. */
  baseline: string | null;
  broken: ChangeDetail[];
  fixed: ChangeDetail[];
}

const DETAIL_INPUT_MAX = 150;
const DETAIL_VALUE_MAX = 100;
/** Below Slack's 50 blocks and well below its overall message size, so every part is accepted. */
const DETAIL_BLOCKS_PER_MESSAGE = 8;

function answerText(prediction: ChangeDetail['prediction']): string {
  if (!prediction) return '_no answer recorded_';
  const said = prediction.label ?? prediction.text;
  const score = prediction.score === undefined ? null : `score ${Number(prediction.score.toFixed(3))}`;
  if (said === undefined) return score ?? '_an empty answer_';
  return `${safe(truncate(said.replace(/\s+/g, ' '), DETAIL_VALUE_MAX), DETAIL_VALUE_MAX * 2)}${score ? ` (${score})` : ''}`;
}

function detailLine(c: ChangeDetail): string {
  const expected = safe(truncate(describeExpectation(c.expectation), DETAIL_VALUE_MAX), DETAIL_VALUE_MAX * 2);
  const input = safe(patternText(c.input, DETAIL_INPUT_MAX), DETAIL_INPUT_MAX * 2);
  const by = gradedByOf(c.prediction);
  const graded = by === undefined ? '' : ` · graded by \`${safe(by, 100)}\``;
  return `• #${c.patternId} (${c.polarity}) “${input}”\n      expected ${expected} · got ${answerText(c.prediction)}${graded}`;
}

/**
 * Every newly broken and newly fixed pattern of one problem, split into as many messages as Slack's limits
 * need; each part says which part it is, so a reader can tell the list is complete.
 */
export function allChangesMessages(view: AllChangesView): MessageContent[] {
  const against = view.baseline ? ` vs \`${safe(view.baseline, 100)}\`` : '';
  const title = `*\`${safe(view.model, 100)}\` on ${safe(`${view.problem.key} — ${view.problem.title}`, 200)}*${against}`;
  const sections = [...listSections('Newly broken', view.broken), ...listSections('Newly fixed', view.fixed)];
  if (sections.length === 0) sections.push('_No pattern changed._');
  const parts: string[][] = [];
  for (let i = 0; i < sections.length; i += DETAIL_BLOCKS_PER_MESSAGE) {
    parts.push(sections.slice(i, i + DETAIL_BLOCKS_PER_MESSAGE));
  }
  const counts = `${view.broken.length} newly broken, ${view.fixed.length} newly fixed`;
  return parts.map((part, i) => {
    const where = parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : '';
    return {
      text: truncate(`${view.model} on ${view.problem.key}: ${counts}${where}`, LIMITS.messageText),
      blocks: [
        ...(i === 0 ? [mrkdwnSection(title)] : []),
        ...part.map((text) => mrkdwnSection(text)),
        context(`${counts}${where}`),
      ],
    };
  });
}

function listSections(title: string, changes: readonly ChangeDetail[]): string[] {
  if (changes.length === 0) return [];
  return packLines([`*${title} (${changes.length})*`, ...changes.map(detailLine)]);
}
