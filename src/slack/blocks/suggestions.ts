import type { Button, KnownBlock, ModalView } from '@slack/types';
import type { PatternInput } from '../../core/pattern.ts';
import { canonicalJson } from '../../core/pattern.ts';
import type { Proposal } from '../../core/suggest/index.ts';
import { truncate } from '../../core/text.ts';
import { ACTION, BLOCK, FIELD, VIEW } from './ids.ts';
import { context, LIMITS, mrkdwnSection, plain, safe } from './limits.ts';
import type { SlackMessageContent } from './problem-card.ts';

/**
 * "Suggest related cases": the button (on a pattern's receipt, the flag receipt, `/pattern list` and beside
 * an evidence sentence) and the modal it opens, with the proposals as checkboxes and each input and
 * expectation editable.
 */

export function suggestValue(patternId: number): string {
  return JSON.stringify({ patternId });
}

/** null for anything suggestValue did not make (old or forged payloads). */
export function parseSuggestValue(value: string | undefined): number | null {
  if (!value) return null;
  try {
    const { patternId } = (JSON.parse(value) ?? {}) as { patternId?: unknown };
    return Number.isSafeInteger(patternId) && (patternId as number) > 0 ? (patternId as number) : null;
  } catch {
    return null;
  }
}

export function suggestButton(patternId: number): Button {
  return {
    type: 'button',
    action_id: ACTION.suggestRelated,
    text: plain('Suggest related cases', LIMITS.buttonText),
    value: suggestValue(patternId),
  };
}

/** The ephemeral receipt of a saved pattern, with the button to grow it into a family of related cases. */
export function patternReceipt(patternId: number, problemKey: string): SlackMessageContent {
  return {
    text: `Saved pattern #${patternId} in ${problemKey}.`,
    blocks: [
      mrkdwnSection(
        `:white_check_mark: Saved pattern #${patternId} in ${problemKey}. Every model will be checked on it.`,
      ),
      { type: 'actions', elements: [suggestButton(patternId)] },
    ],
  };
}

export interface SuggestionsMetadata {
  patternId: number;
  /** The revision the proposals were made from: they are regenerated from it (same seed) on submit. */
  revisionId: number;
  seed: number;
  n: number;
  channel?: string | undefined;
}

export const inputBlock = (i: number) => `suggest_input_${i}`;
export const expectBlock = (i: number) => `suggest_expect_${i}`;

const IMPLIED_TEXT: Record<Proposal['implied'], string> = {
  invariance: 'same answer as the original',
  change: 'a different answer',
  direction: 'score moves',
};

function inputText(input: PatternInput): string {
  return typeof input === 'string' ? input : JSON.stringify(input);
}

/** What the modal shows in an editable box; null when it does not fit (it is then added as proposed). */
export function editableText(value: string): string | null {
  return value.length <= LIMITS.inputInitialValue ? value : null;
}

export function suggestionsModal(input: {
  pattern: { id: number; input: PatternInput };
  problemKey: string;
  proposals: Proposal[];
  metadata: SuggestionsMetadata;
}): ModalView {
  const { proposals } = input;
  const blocks: KnownBlock[] = [
    mrkdwnSection(
      `*Related cases of #${input.pattern.id}* (${input.problemKey}) “${safe(truncate(inputText(input.pattern.input), 300), 600)}”\nTick the ones to add; edit any input or expectation first. They are filed as contrived patterns, made from #${input.pattern.id}, and run on every model.`,
    ),
  ];
  if (proposals.length === 0) {
    blocks.push(context('No perturbation applies to this input (it has no text to vary).'));
  } else {
    blocks.push({
      type: 'input',
      block_id: BLOCK.suggestPick,
      label: plain('Add these', LIMITS.label),
      element: {
        type: 'checkboxes',
        action_id: FIELD,
        options: proposals.map((p, i) => ({
          text: plain(`${i + 1}. ${p.perturbation}: ${IMPLIED_TEXT[p.implied]}`, LIMITS.optionText),
          description: plain(p.detail, LIMITS.optionText),
          value: String(i),
        })),
      },
    });
    for (const [i, p] of proposals.entries()) {
      const text = editableText(inputText(p.input));
      const expectation = editableText(canonicalJson(p.expectation));
      if (text === null || expectation === null)
        blocks.push(context(`${i + 1}. Too long to edit here; added as proposed if ticked.`));
      if (text !== null) blocks.push(textBox(inputBlock(i), `${i + 1}. Input (${p.perturbation})`, text));
      if (expectation !== null)
        blocks.push(textBox(expectBlock(i), `${i + 1}. Expects (${p.implied})`, expectation));
    }
  }
  const metadata = JSON.stringify(input.metadata);
  return {
    type: 'modal',
    callback_id: VIEW.suggestions,
    title: plain('Related cases', LIMITS.modalTitle),
    ...(proposals.length > 0 ? { submit: plain('Add selected', LIMITS.modalButton) } : {}),
    close: plain('Cancel', LIMITS.modalButton),
    private_metadata: metadata,
    blocks: blocks.slice(0, LIMITS.viewBlocks),
  };
}

function textBox(blockId: string, label: string, initial: string): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label, LIMITS.label),
    element: {
      type: 'plain_text_input',
      action_id: FIELD,
      multiline: initial.length > 80,
      initial_value: initial,
    },
  };
}

/** What "Add selected" answers the person who pressed it. */
export function suggestionsAdded(input: {
  patternId: number;
  problemKey: string;
  created: number[];
  existing: number[];
}): SlackMessageContent {
  const ids = (list: number[]) => list.map((id) => `#${id}`).join(', ');
  const parts = [
    `:seedling: Added ${input.created.length} related case(s) of #${input.patternId} to ${input.problemKey}${input.created.length > 0 ? ` (${ids(input.created)})` : ''}; every model will be checked on them.`,
  ];
  if (input.existing.length > 0) parts.push(`Already there: ${ids(input.existing)}.`);
  return { text: parts.join(' '), blocks: [mrkdwnSection(parts.join(' '))] };
}
