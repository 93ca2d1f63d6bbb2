import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { formatRate } from '../../core/metrics.ts';
import { SEVERITIES } from '../../core/problem.ts';
import { truncate } from '../../core/text.ts';
import { BLOCK, FIELD, VIEW } from './ids.ts';
import { capBlocks, LIMITS, mrkdwnSection, plain, safe } from './limits.ts';

export interface ProblemChoice {
  key: string;
  title: string;
}

export function modal(
  callbackId: string,
  title: string,
  submit: string,
  blocks: KnownBlock[],
  metadata: unknown,
): ModalView {
  const privateMetadata = JSON.stringify(metadata ?? {});
  if (privateMetadata.length > LIMITS.privateMetadata)
    throw new Error('private_metadata exceeds Slack’s 3,000 characters');
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title, LIMITS.modalTitle),
    submit: plain(submit, LIMITS.modalButton),
    close: plain('Cancel', LIMITS.modalButton),
    private_metadata: privateMetadata,
    blocks: capBlocks(blocks, LIMITS.viewBlocks, (n) => `${n} more fields hidden`),
  };
}

export function textInput(
  blockId: string,
  label: string,
  opts: {
    multiline?: boolean;
    optional?: boolean;
    initial?: string;
    placeholder?: string;
    hint?: string;
    max?: number;
  } = {},
): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: opts.optional ?? false,
    label: plain(label, LIMITS.label),
    ...(opts.hint ? { hint: plain(opts.hint, LIMITS.label) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: FIELD,
      multiline: opts.multiline ?? false,
      ...(opts.initial ? { initial_value: truncate(opts.initial, LIMITS.inputInitialValue) } : {}),
      ...(opts.placeholder ? { placeholder: plain(opts.placeholder, LIMITS.placeholder) } : {}),
      ...(opts.max ? { max_length: opts.max } : {}),
    },
  };
}

export function option(text: string, value: string): PlainTextOption {
  return { text: plain(text, LIMITS.optionText), value: value.slice(0, LIMITS.optionValue) };
}

export function select(
  blockId: string,
  label: string,
  options: PlainTextOption[],
  initial?: PlainTextOption,
  optional = false,
): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional,
    label: plain(label, LIMITS.label),
    element: {
      type: 'static_select',
      action_id: FIELD,
      options: options.slice(0, LIMITS.selectOptions),
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

/**
 * A type-ahead over every open problem: Slack asks Canary (block_suggestion, answered by
 * listeners/options/problem-search.ts) as the person types, so no fixed list of 100 can hide the right one.
 */
export function problemPicker(blockId: string, label: string, optional: boolean): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional,
    label: plain(label, LIMITS.label),
    element: {
      type: 'external_select',
      action_id: FIELD,
      placeholder: plain('Type a key or words of the title', LIMITS.placeholder),
      min_query_length: 0,
    },
  };
}

export interface NewProblemMetadata {
  channel: string;
}

export function newProblemModal(
  metadata: NewProblemMetadata,
  initialTitle = '',
  opts: { canSetThreshold?: boolean } = {},
): ModalView {
  const severities = SEVERITIES.map((s) => option(s, s));
  return modal(
    VIEW.newProblem,
    'New problem',
    'Create',
    [
      textInput(BLOCK.title, 'Title', {
        initial: initialTitle,
        placeholder: 'What does the model get wrong?',
        max: 200,
      }),
      textInput(BLOCK.description, 'Description', { multiline: true, optional: true }),
      select(BLOCK.severity, 'Severity', severities, severities[1]),
      // Only admins set thresholds (a 100% one fails every CI gate); others are not offered the field.
      ...(opts.canSetThreshold === false
        ? []
        : [
            textInput(BLOCK.threshold, 'Threshold', {
              optional: true,
              placeholder: '80% or 0.8',
              hint: 'Minimum pass rate a model needs on this problem. Leave empty to track without gating.',
            }),
          ]),
    ],
    metadata,
  );
}

export interface ThresholdMetadata {
  key: string;
  channel?: string | undefined;
}

export function thresholdModal(
  problem: ProblemChoice & { threshold: number | null },
  metadata: ThresholdMetadata,
): ModalView {
  return modal(
    VIEW.setThreshold,
    'Set threshold',
    'Save',
    [
      mrkdwnSection(`*${problem.key}* ${safe(problem.title, 500)}`),
      textInput(BLOCK.threshold, 'Threshold', {
        optional: true,
        ...(problem.threshold === null ? {} : { initial: formatRate(problem.threshold) }),
        placeholder: '80% or 0.8',
        hint: 'Leave empty to stop gating on this problem.',
      }),
    ],
    metadata,
  );
}

export const EXPECTATION_CHOICES = [
  ['label', 'Label is'],
  ['one_of', 'Label is one of (comma-separated)'],
  ['not_label', 'Label is not'],
  ['contains', 'Output contains'],
  ['not_contains', 'Output does not contain'],
  ['regex', 'Output matches regex'],
  ['range', 'Score in range (min..max)'],
  ['judge', 'Graded by a model (grader@v label, or "rubric")'],
  ['similar', 'Similar to a reference (embedder@v min text)'],
  ['length', 'Length (min-max chars or words)'],
  ['shorthand', 'Shorthand or JSON'],
] as const;

export type ExpectationChoice = (typeof EXPECTATION_CHOICES)[number][0];

export interface AddPatternMetadata {
  /** Set when the modal was opened for one problem (/pattern add P-3, the card's button). */
  problemKey?: string;
  /** Where to confirm: the channel the command or shortcut came from. */
  channel?: string;
  /** Set by the message shortcut: the production message this pattern comes from. */
  source?: { channel: string; ts: string; permalink: string | null };
  /** Set by triage's "Add as pattern": the 👎 observation this pattern comes from. */
  observationId?: number;
}

export interface AddPatternModalInput {
  metadata: AddPatternMetadata;
  /** The fixed problem, when there is one; otherwise a type-ahead over the open problems, if there are any. */
  fixedProblem?: ProblemChoice;
  hasOpenProblems: boolean;
  /** Offer a "new problem title" field (the message shortcut). */
  allowNewProblem: boolean;
  initialInput?: string;
  initialFormat?: 'text' | 'json';
  initialNotes?: string;
  /** Shown above the fields (triage: what the model answered). */
  intro?: KnownBlock[];
  /** Another submission listener (triage); the fields and their reading stay the same. */
  callbackId?: string;
}

export function addPatternModal(input: AddPatternModalInput): ModalView {
  const blocks: KnownBlock[] = [...(input.intro ?? [])];
  if (input.fixedProblem) {
    blocks.push(
      mrkdwnSection(`Pattern for *${input.fixedProblem.key}* ${safe(input.fixedProblem.title, 500)}`),
    );
  } else {
    if (input.hasOpenProblems) {
      blocks.push(problemPicker(BLOCK.problem, 'Problem', input.allowNewProblem));
    }
    if (input.allowNewProblem) {
      blocks.push(
        textInput(BLOCK.newProblemTitle, input.hasOpenProblems ? '…or a new problem' : 'New problem', {
          optional: input.hasOpenProblems,
          placeholder: 'Title of a problem to create',
          max: 200,
        }),
      );
    }
  }
  const kinds = EXPECTATION_CHOICES.map(([value, text]) => option(text, value));
  blocks.push(
    textInput(BLOCK.input, 'Input', {
      multiline: true,
      ...(input.initialInput ? { initial: input.initialInput } : {}),
      placeholder: 'The text (or JSON object) the model is given',
    }),
    select(
      BLOCK.inputFormat,
      'Input format',
      [option('Text', 'text'), option('JSON object', 'json')],
      input.initialFormat === 'json' ? option('JSON object', 'json') : option('Text', 'text'),
    ),
    select(BLOCK.expectKind, 'Expectation', kinds, kinds[0]),
    textInput(BLOCK.expectValue, 'Expected', {
      placeholder: 'negative · refund · /^pos/i · 0.5..1',
      hint: 'Shorthand: not:<label>, one_of:a,b, contains:<text>, regex:/re/i, range:0..1, judge toxicity@1 non_toxic, judge judge@1 "rubric", similar emb@1 0.8 "reference", length 1-400 words, json_schema {…} or JSON.',
    }),
    {
      type: 'input',
      block_id: BLOCK.polarity,
      label: plain('Polarity', LIMITS.label),
      element: {
        type: 'radio_buttons',
        action_id: FIELD,
        options: [
          option('Positive: the model must meet it', 'positive'),
          option('Negative: the model must not', 'negative'),
        ],
        initial_option: option('Positive: the model must meet it', 'positive'),
      },
    },
    textInput(BLOCK.notes, 'Notes', {
      multiline: true,
      optional: true,
      ...(input.initialNotes ? { initial: input.initialNotes } : {}),
    }),
  );
  return modal(input.callbackId ?? VIEW.addPattern, 'Add pattern', 'Save', blocks, input.metadata);
}
