import type { PatternInput, Polarity } from '../../core/pattern.ts';
import { truncate } from '../../core/text.ts';
import { context, mrkdwnSection, safe } from './limits.ts';
import { type MessageContent, patternText } from './result-text.ts';

/** The back-fill answer: how every model does on a newly added pattern. Pure: data in, blocks out. */

export interface BackfillRow {
  model: string;
  state: 'pending' | 'passed' | 'failed' | 'errored' | 'flaky' | 'failed_run';
  /** What the model answered (label or text), when there is one. */
  answer?: string | null;
}

export interface BackfillView {
  patternId: number;
  problemKey: string;
  input: PatternInput;
  polarity: Polarity;
  rows: BackfillRow[];
}

const BACKFILL_MARK: Record<BackfillRow['state'], string> = {
  pending: '…',
  passed: '✓',
  failed: '✗',
  errored: '⚠ errored',
  flaky: '~ flaky',
  failed_run: '⚠ run failed',
};

const BACKFILL_ROWS_SHOWN = 40;

export function backfillMessage(view: BackfillView): MessageContent {
  const done = view.rows.filter((r) => r.state !== 'pending').length;
  const passed = view.rows.filter((r) => r.state === 'passed').length;
  const lines = view.rows.slice(0, BACKFILL_ROWS_SHOWN).map((r) => {
    const answer = r.answer ? ` ${safe(truncate(r.answer, 60), 120)}` : '';
    return `\`${safe(r.model, 100)}\` ${BACKFILL_MARK[r.state]}${answer}`;
  });
  if (view.rows.length > BACKFILL_ROWS_SHOWN)
    lines.push(`_… and ${view.rows.length - BACKFILL_ROWS_SHOWN} more models_`);
  const title = `*Pattern #${view.patternId}* (${view.problemKey}, ${view.polarity}) “${safe(patternText(view.input), 160)}”`;
  const status =
    done < view.rows.length
      ? `${done}/${view.rows.length} models answered so far`
      : `passes on ${passed} of ${view.rows.length} models`;
  return {
    text: `Pattern #${view.patternId} back-filled: ${status}`,
    blocks: [
      mrkdwnSection(`${title}\n${lines.length > 0 ? lines.join('\n') : '_no model to run it on_'}`),
      context(status),
    ],
  };
}
