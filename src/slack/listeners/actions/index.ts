import type { App } from '@slack/bolt';
import { ACTION } from '../../blocks/ids.ts';
import type { SlackContext } from '../../context.ts';
import { flagSaveAction } from './flag-save.ts';
import { patternEditAction } from './pattern-edit.ts';
import { problemAddPatternAction } from './problem-add-pattern.ts';
import { problemSetThresholdAction } from './problem-set-threshold.ts';
import { problemSignOffAction } from './problem-sign-off.ts';
import { resultShowAllAction } from './result-show-all.ts';
import { resultSignOffAction } from './result-sign-off.ts';
import { suggestRelatedAction } from './suggest-related.ts';
import { triageAddPatternAction } from './triage-add-pattern.ts';
import { triageDismissAction } from './triage-dismiss.ts';

export function registerActions(app: App, ctx: SlackContext): void {
  app.action(ACTION.problemAddPattern, problemAddPatternAction(ctx));
  app.action(ACTION.problemSetThreshold, problemSetThresholdAction(ctx));
  app.action(ACTION.problemSignOff, problemSignOffAction(ctx));
  app.action(ACTION.flagSave, flagSaveAction(ctx));
  app.action(ACTION.resultShowAll, resultShowAllAction(ctx));
  app.action(ACTION.resultSignOff, resultSignOffAction(ctx));
  app.action(ACTION.suggestRelated, suggestRelatedAction(ctx));
  app.action(ACTION.patternEdit, patternEditAction(ctx));
  app.action(ACTION.triageAddPattern, triageAddPatternAction(ctx));
  app.action(ACTION.triageDismiss, triageDismissAction(ctx));
}
