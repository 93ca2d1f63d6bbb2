import type { KnownBlock } from '@slack/types';
import { escapeSlack, truncate } from '../../core/text.ts';

/** Slack's documented Block Kit limits; exceeding any of them makes the whole call fail with invalid_blocks. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  contextElements: 10,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  inputInitialValue: 3000,
  placeholder: 150,
  label: 2000,
  /** chat.postMessage truncates text beyond this; we cut first so the cut is ours. */
  messageText: 4000,
} as const;

/** User text made safe for mrkdwn and cut to fit. */
export function safe(text: string, max: number = LIMITS.sectionText): string {
  return truncate(escapeSlack(text), max);
}

export function mrkdwnSection(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) }] };
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, LIMITS.header), emoji: true } };
}

export function plain(text: string, max: number): { type: 'plain_text'; text: string; emoji: true } {
  return { type: 'plain_text', text: truncate(text, max) || ' ', emoji: true };
}

/**
 * Keeps a message or view within Slack's block count: when there are more blocks than fit, the tail is
 * replaced by one line saying how many were left out, so the reader knows the list is incomplete.
 */
export function capBlocks(
  blocks: KnownBlock[],
  max: number,
  moreText: (hidden: number) => string,
): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  const kept = blocks.slice(0, max - 1);
  return [...kept, context(moreText(blocks.length - kept.length))];
}

/**
 * Joins lines into as few section texts as fit `max` each, never splitting a line (one longer than `max` is
 * cut), so a long list can be spread over several sections without losing any entry.
 */
export function packLines(lines: readonly string[], max: number = LIMITS.sectionText): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (current !== '' && current.length + 1 + line.length > max) {
      chunks.push(current);
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

/** Link to a message or page with a label; URL and label both escaped so neither can break out of the link. */
export function link(url: string, label: string): string {
  return `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeSlack(label).replace(/\|/g, '¦')}>`;
}
