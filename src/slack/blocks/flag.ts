import type { KnownBlock } from '@slack/types';
import type { Expectation } from '../../core/expectations/handler.ts';
import { describeExpectation } from '../../core/expectations/index.ts';
import { ACTION, BLOCK, FIELD } from './ids.ts';
import { context, LIMITS, link, mrkdwnSection, plain, safe } from './limits.ts';
import { problemPicker } from './modals.ts';
import { editPatternButton } from './pattern-edit.ts';
import type { SlackMessageContent } from './problem-card.ts';
import { suggestButton } from './suggestions.ts';

/** The thread prompt under a flagged message: pick a problem, say what was expected, Save. */
export function flagPrompt(input: {
  flagId: number;
  flaggedBy: string;
  text: string;
  /** Whether any problem is open: the picker searches them as the person types (an external select). */
  hasOpenProblems: boolean;
}): SlackMessageContent {
  const blocks: KnownBlock[] = [
    mrkdwnSection(
      `:triangular_flag_on_post: <@${input.flaggedBy}> flagged this output. Save it as a pattern and every model will be checked against it:\n>${safe(input.text, 1500).replace(/\n/g, '\n>')}`,
    ),
  ];
  if (input.hasOpenProblems) {
    blocks.push(problemPicker(BLOCK.flagProblem, 'Problem', false));
  } else {
    blocks.push(
      context('There are no open problems yet: create one with `/problem new <title>`, then flag again.'),
    );
  }
  blocks.push(
    {
      type: 'input',
      block_id: BLOCK.flagExpected,
      label: plain('Expected output', LIMITS.label),
      hint: plain(
        'A label (negative), or not:<label>, one_of:a,b, contains:<text>, regex:/re/i, or JSON.',
        LIMITS.label,
      ),
      element: {
        type: 'plain_text_input',
        action_id: FIELD,
        placeholder: plain('What should the model have answered?', LIMITS.placeholder),
      },
    },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION.flagSave,
          style: 'primary',
          text: plain('Save pattern', LIMITS.buttonText),
          value: String(input.flagId),
        },
      ],
    },
  );
  return { text: `<@${input.flaggedBy}> flagged this output: save it as a pattern?`, blocks };
}

/** What the prompt becomes once saved: no form left to submit twice. */
export function flagSaved(input: {
  problemKey: string;
  problemLink: string | null;
  patternId: number;
  expectation: Expectation;
  savedBy: string;
}): SlackMessageContent {
  const problem = input.problemLink ? link(input.problemLink, input.problemKey) : input.problemKey;
  const text = `:white_check_mark: <@${input.savedBy}> saved this as pattern #${input.patternId} in ${problem} (expect ${safe(describeExpectation(input.expectation), 300)}). Every model will be checked on it; results will follow in this thread.`;
  return {
    text: `Saved as pattern #${input.patternId} in ${input.problemKey}.`,
    blocks: [
      mrkdwnSection(text),
      {
        type: 'actions',
        elements: [suggestButton(input.patternId), ...editPatternButton(input.patternId).elements],
      },
    ],
  };
}
