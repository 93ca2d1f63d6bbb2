import { formatRate } from '../../core/metrics.ts';
import { context, mrkdwnSection, safe } from './limits.ts';
import type { MessageContent } from './result-text.ts';

export interface BulkAddModelLine {
  model: string;
  state: 'pending' | 'done' | 'failed_run';
  passed: number;
  failed: number;
  errored: number;
}

export interface BulkAddView {
  problemKey: string;
  /** Patterns of the add that landed in this problem. */
  added: number;
  /** Of the whole add (all problems). */
  addSize: number;
  /** Slack user id or free text; null when the add came without one. */
  creator: string | null;
  models: BulkAddModelLine[];
}

const MODELS_SHOWN = 30;

function creatorText(creator: string | null): string {
  if (!creator) return '';
  return /^[UW][A-Z0-9]{2,}$/.test(creator) ? ` by <@${creator}>` : ` by ${safe(creator, 80)}`;
}

function stateText(m: BulkAddModelLine): string {
  if (m.state === 'pending') return '…';
  if (m.state === 'failed_run') return '⚠ run failed';
  const rated = m.passed + m.failed;
  const errored = m.errored > 0 ? ` (${m.errored} errored)` : '';
  return `${rated === 0 ? 'n/a' : formatRate(m.passed / rated)}${errored}`;
}

const lineOf = (m: BulkAddModelLine) => `\`${safe(m.model, 100)}\` ${stateText(m)}`;

/**
 * The one thread message a bulk add gets per problem: "12 patterns added by @ana; back-filled on 3 models: v1 58%,
 * …", edited in place as each model's back-fill finishes.
 */
export function bulkAddMessage(view: BulkAddView): MessageContent {
  const n = view.added;
  const what = `${n} pattern${n === 1 ? '' : 's'} added${creatorText(view.creator)}`;
  const of = view.addSize > n ? ` (of ${view.addSize} in this import)` : '';
  const done = view.models.filter((m) => m.state !== 'pending').length;
  const total = view.models.length;
  const shown = view.models.slice(0, MODELS_SHOWN).map(lineOf);
  if (total > MODELS_SHOWN) shown.push(`_… and ${total - MODELS_SHOWN} more models_`);
  const status =
    done < total
      ? `back-filled on ${done} of ${total} models so far`
      : `back-filled on ${total} model${total === 1 ? '' : 's'}`;
  const inline = view.models
    .slice(0, 5)
    .map((m) => `${m.model} ${stateText(m)}`)
    .join(', ');
  return {
    text: `${what} to ${view.problemKey}; ${status}${inline ? `: ${inline}` : ''}`,
    blocks: [
      mrkdwnSection(`:heavy_plus_sign: *${what}* to ${view.problemKey}${of}\n${shown.join(' · ')}`),
      context(`${status}; pass rate on the added patterns`),
    ],
  };
}
