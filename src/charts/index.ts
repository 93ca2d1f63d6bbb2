import type { Config } from '../config.ts';
import type { ChartSpec } from '../core/charts.ts';
import { CanaryError } from '../core/errors.ts';
import { QUICKCHART_SLACK_URL_LIMIT, quickChartUrl } from './quickchart.ts';
import { renderPng } from './render.ts';

export type RenderedChart = { png: Buffer } | { url: string };

export interface ChartRenderer {
  kind: 'local' | 'quickchart';
  render(spec: ChartSpec): Promise<RenderedChart>;
}

export function createChartRenderer(config: Config['charts']): ChartRenderer {
  if (config.renderer === 'quickchart') {
    const baseUrl = config.quickchartUrl;
    if (!baseUrl) {
      throw new CanaryError(
        'charts_misconfigured',
        'QUICKCHART_URL is required when CANARY_CHART_RENDERER=quickchart.',
        'QUICKCHART_URL',
      );
    }
    return {
      kind: 'quickchart',
      async render(spec) {
        const url = quickChartUrl(spec, baseUrl);
        // Slack refuses image URLs over its limit; a big chart (many models × problems) is uploaded as a PNG instead.
        return url.length <= QUICKCHART_SLACK_URL_LIMIT ? { url } : { png: await renderPng(spec) };
      },
    };
  }
  return { kind: 'local', render: async (spec) => ({ png: await renderPng(spec) }) };
}

export { QUICKCHART_SLACK_URL_LIMIT, quickChartUrl } from './quickchart.ts';
