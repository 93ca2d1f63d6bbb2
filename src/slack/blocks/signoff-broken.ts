import { formatRate } from '../../core/metrics.ts';
import { mrkdwnSection, safe } from './limits.ts';
import type { MessageContent } from './result-text.ts';

/** A sign-off a newer model has broken. Pure: data in, blocks out. */

export interface BrokenSignoffView {
  problemKey: string;
  signedModel: string;
  signedBy: string;
  signedRate: number;
  brokenBy: string;
  nowRate: number | null;
}

export function signoffBrokenMessage(view: BrokenSignoffView): MessageContent {
  const text = `Sign-off on ${view.problemKey} broken by ${view.brokenBy}`;
  return {
    text,
    blocks: [
      mrkdwnSection(
        `:rotating_light: *Sign-off broken* — <@${safe(view.signedBy, 40)}> signed off ${view.problemKey} on \`${safe(view.signedModel, 100)}\` at ${formatRate(view.signedRate)}; \`${safe(view.brokenBy, 100)}\` is at ${formatRate(view.nowRate)}.`,
      ),
    ],
  };
}
