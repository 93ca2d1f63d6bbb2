import type { App } from '@slack/bolt';
import { VIEW } from '../../blocks/ids.ts';
import type { SlackContext } from '../../context.ts';
import { addPatternSubmission } from './add-pattern.ts';
import { editPatternSubmission } from './edit-pattern.ts';
import { newProblemSubmission } from './new-problem.ts';
import { setThresholdSubmission } from './set-threshold.ts';
import { suggestionsSubmission } from './suggestions.ts';
import { triageDismissSubmission } from './triage-dismiss.ts';
import { triagePatternSubmission } from './triage-pattern.ts';

export function registerViews(app: App, ctx: SlackContext): void {
  app.view(VIEW.newProblem, newProblemSubmission(ctx));
  app.view(VIEW.addPattern, addPatternSubmission(ctx));
  app.view(VIEW.setThreshold, setThresholdSubmission(ctx));
  app.view(VIEW.suggestions, suggestionsSubmission(ctx));
  app.view(VIEW.editPattern, editPatternSubmission(ctx));
  app.view(VIEW.triagePattern, triagePatternSubmission(ctx));
  app.view(VIEW.triageDismiss, triageDismissSubmission(ctx));
}
