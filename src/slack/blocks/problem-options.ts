import type { PlainTextOption } from '@slack/types';
import { LIMITS } from './limits.ts';
import { option, type ProblemChoice } from './modals.ts';

/** The answer to a problem picker's block_suggestion: at most Slack's 100 options, key first so it is never cut. */
export function problemOptions(problems: readonly ProblemChoice[]): { options: PlainTextOption[] } {
  return {
    options: problems.slice(0, LIMITS.selectOptions).map((p) => option(`${p.key} ${p.title}`, p.key)),
  };
}
