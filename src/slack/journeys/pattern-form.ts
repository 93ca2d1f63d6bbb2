import type { Expectation } from '../../core/expectations/handler.ts';
import { parseExpectationShorthand } from '../../core/expectations/index.ts';
import { isPlainObject, tryParseJson } from '../../core/json.ts';
import type { PatternInput, Polarity } from '../../core/pattern.ts';
import { parsePatternInput } from '../../core/pattern.ts';
import type { Result } from '../../core/result.ts';
import { BLOCK, FIELD } from '../blocks/ids.ts';
import { EXPECTATION_CHOICES, type ExpectationChoice } from '../blocks/modals.ts';

/** Slack's view.state.values: block_id → action_id → element state. */
export type ViewValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

export function textValue(values: ViewValues, block: string): string {
  return (values[block]?.[FIELD]?.value ?? '').trim();
}

export function selectedValue(values: ViewValues, block: string): string | undefined {
  return values[block]?.[FIELD]?.selected_option?.value ?? undefined;
}

export interface PatternFields {
  problemKey: string | undefined;
  newProblemTitle: string;
  input: PatternInput;
  expectation: Expectation;
  polarity: Polarity;
  notes: string;
}

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/** An expectation from the modal's kind select and value box: the select just prefixes the shorthand. */
export function expectationFrom(kind: string | undefined, value: string): Result<Expectation> {
  const choice = (EXPECTATION_CHOICES.find(([k]) => k === kind)?.[0] ?? 'shorthand') as ExpectationChoice;
  if (value === '') return { ok: false, error: 'Say what the model should answer.' };
  return parseExpectationShorthand(choice === 'shorthand' ? value : `${choice}:${value}`);
}

function inputFrom(format: string | undefined, text: string, maxBytes: number): Result<PatternInput> {
  if (format === 'json') {
    const parsed = tryParseJson(text);
    if (!parsed.ok) return { ok: false, error: `The input is not valid JSON: ${parsed.error}` };
    if (!isPlainObject(parsed.value))
      return { ok: false, error: 'A JSON input must be an object, like {"text": "…"}.' };
    return parsePatternInput(parsed.value, maxBytes);
  }
  return parsePatternInput(text, maxBytes);
}

/** Reads the add-pattern modal; errors are keyed by block_id, ready for response_action: 'errors'. */
export function readPatternForm(
  values: ViewValues,
  opts: { fixedProblemKey?: string | undefined; maxInputBytes: number },
): FormResult<PatternFields> {
  const errors: Record<string, string> = {};
  const problemKey = opts.fixedProblemKey ?? selectedValue(values, BLOCK.problem);
  const newProblemTitle = textValue(values, BLOCK.newProblemTitle);
  if (!opts.fixedProblemKey) {
    if (!problemKey && newProblemTitle === '') {
      const where = values[BLOCK.newProblemTitle] ? BLOCK.newProblemTitle : BLOCK.problem;
      errors[where] = 'Pick a problem or give a title for a new one.';
    } else if (problemKey && newProblemTitle !== '') {
      errors[BLOCK.newProblemTitle] = 'Either pick an existing problem or name a new one, not both.';
    }
  }
  const input = inputFrom(
    selectedValue(values, BLOCK.inputFormat),
    values[BLOCK.input]?.[FIELD]?.value ?? '',
    opts.maxInputBytes,
  );
  if (!input.ok) errors[BLOCK.input] = input.error;
  const expectation = expectationFrom(
    selectedValue(values, BLOCK.expectKind),
    textValue(values, BLOCK.expectValue),
  );
  if (!expectation.ok) errors[BLOCK.expectValue] = expectation.error;
  const polarity = selectedValue(values, BLOCK.polarity) === 'negative' ? 'negative' : 'positive';
  if (!input.ok || !expectation.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      problemKey,
      newProblemTitle,
      input: input.value,
      expectation: expectation.value,
      polarity,
      notes: textValue(values, BLOCK.notes),
    },
  };
}
