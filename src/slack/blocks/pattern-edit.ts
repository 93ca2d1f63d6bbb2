import type { ActionsBlock, KnownBlock, ModalView } from '@slack/types';
import type { Pattern } from '../../core/pattern.ts';
import { ACTION, BLOCK, FIELD, VIEW } from './ids.ts';
import { LIMITS, mrkdwnSection, plain, safe } from './limits.ts';
import { EXPECTATION_CHOICES, modal, option, select, textInput } from './modals.ts';

export interface EditPatternMetadata {
  patternId: number;
  /** The revision the form was filled from: a submit after someone else's edit is refused, not merged. */
  revision: number;
  channel?: string | undefined;
}

/** The add-pattern form, filled with the pattern's current revision; saving makes a new revision. */
export function editPatternModal(
  pattern: Pattern,
  problem: { key: string; title: string },
  metadata: EditPatternMetadata,
): ModalView {
  const isText = typeof pattern.input === 'string';
  const text = option('Text', 'text');
  const json = option('JSON object', 'json');
  const kinds = EXPECTATION_CHOICES.map(([value, label]) => option(label, value));
  const shorthand = kinds.find((k) => k.value === 'shorthand');
  const positive = option('Positive: the model must meet it', 'positive');
  const negative = option('Negative: the model must not', 'negative');
  const blocks: KnownBlock[] = [
    mrkdwnSection(
      `Pattern *#${pattern.id}* (revision ${pattern.revision}) in *${problem.key}* ${safe(problem.title, 500)}. Saving a new input or expectation makes revision ${pattern.revision + 1}: earlier results stay, current numbers use the new one, and every model is back-filled on it.`,
    ),
    textInput(BLOCK.input, 'Input', {
      multiline: true,
      initial: isText ? (pattern.input as string) : JSON.stringify(pattern.input),
    }),
    select(BLOCK.inputFormat, 'Input format', [text, json], isText ? text : json),
    select(BLOCK.expectKind, 'Expectation', kinds, shorthand),
    textInput(BLOCK.expectValue, 'Expected', { initial: JSON.stringify(pattern.expectation) }),
    {
      type: 'input',
      block_id: BLOCK.polarity,
      label: plain('Polarity', LIMITS.label),
      element: {
        type: 'radio_buttons',
        action_id: FIELD,
        options: [positive, negative],
        initial_option: pattern.polarity === 'negative' ? negative : positive,
      },
    },
    textInput(BLOCK.notes, 'Notes', { multiline: true, optional: true, initial: pattern.notes }),
  ];
  return modal(VIEW.editPattern, `Edit pattern #${pattern.id}`, 'Save', blocks, metadata);
}

/** The button a pattern receipt carries. */
export function editPatternButton(patternId: number): ActionsBlock {
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: ACTION.patternEdit,
        text: plain('Edit pattern', LIMITS.buttonText),
        value: String(patternId),
      },
    ],
  };
}
