import type { KnownBlock } from '@slack/types';
import type { ChartRenderer, RenderedChart } from '../charts/index.ts';
import type { ChartSpec } from '../core/charts.ts';
import type { Db } from '../db/client.ts';
import { imageBlock } from '../slack/blocks/result-text.ts';
import { type SlackOut, uploadOnce } from '../slack/web-api/ledger.ts';

/**
 * A chart either travels inside the message (QuickChart: an image block with its URL) or follows it as a PNG
 * shared into the message's thread (local rendering). Rendering happens first so the message knows which.
 */
export type PreparedChart = { kind: 'url'; url: string } | { kind: 'png'; png: Buffer };

export async function prepareChart(renderer: ChartRenderer, spec: ChartSpec): Promise<PreparedChart> {
  const rendered: RenderedChart = await renderer.render(spec);
  return 'url' in rendered ? { kind: 'url', url: rendered.url } : { kind: 'png', png: rendered.png };
}

export function chartUrlOf(chart: PreparedChart | null): string | undefined {
  return chart?.kind === 'url' ? chart.url : undefined;
}

export function chartBlocks(chart: PreparedChart | null, alt: string): KnownBlock[] {
  return chart?.kind === 'url' ? [imageBlock(chart.url, alt)] : [];
}

/** Shares a locally rendered chart into the thread, once per key. QuickChart charts are already in the message. */
export async function shareChartInThread(
  deps: { db: Db; slack: SlackOut },
  key: string,
  chart: PreparedChart | null,
  where: { channel: string; threadTs: string; filename: string; title: string },
): Promise<void> {
  if (chart?.kind !== 'png') return;
  await uploadOnce(deps.db, deps.slack, key, {
    channel: where.channel,
    thread_ts: where.threadTs,
    filename: where.filename,
    title: where.title,
    png: chart.png,
  });
}
