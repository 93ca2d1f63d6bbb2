import { EventEmitter } from 'node:events';
import type { EvaluationStatus } from '../../core/outcome.ts';

/** In-process signals for the CLI and the demo; Slack hears about evaluations through the notify queue. */
export interface EvaluationProgressEvent {
  evaluationId: number;
  total: number;
  done: number;
  passed: number;
  failed: number;
  errored: number;
}

export interface EvaluationFinishedEvent extends EvaluationProgressEvent {
  status: EvaluationStatus;
}

interface EvaluationEventMap {
  'evaluation.progress': [EvaluationProgressEvent];
  'evaluation.finished': [EvaluationFinishedEvent];
}

export type EvaluationEvents = EventEmitter<EvaluationEventMap>;

export function createEvaluationEvents(): EvaluationEvents {
  return new EventEmitter<EvaluationEventMap>();
}
