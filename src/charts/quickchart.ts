import quickChartModule from 'quickchart-js';
import type { ChartSpec } from '../core/charts.ts';

// The package's types describe its CommonJS build (`exports.default`) while Node's ESM loader hands us the
// class itself as the default export; accept either.
type QuickChartClass = typeof quickChartModule.default;
const QuickChart: QuickChartClass =
  (quickChartModule as unknown as { default?: QuickChartClass }).default ??
  (quickChartModule as unknown as QuickChartClass);

/** The Chart.js major version our configs are written for; QuickChart otherwise assumes 2.9.4. */
const CHART_JS_VERSION = '4';

/**
 * The GET URL a QuickChart server renders `spec` from. Built offline (`getUrl`): no network call here; the
 * server is only contacted by whoever fetches the URL (Slack, when it unfurls the image block).
 *
 * Length caveat: the whole config travels in the query string. A 50-model × 30-problem chart is tens of
 * kilobytes, beyond what some proxies and Slack's image blocks (3,000-character `image_url`) accept.
 * `getShortUrl` would fix that but needs a network round trip to quickchart.io only, so callers should check
 * `url.length` (see `QUICKCHART_SLACK_URL_LIMIT`) and fall back to uploading a local PNG.
 *
 * The config is passed as JSON text rather than an object so it reaches the server exactly as built
 * (quickchart-js would otherwise re-serialise it as a JavaScript literal).
 */
export function quickChartUrl(spec: ChartSpec, baseUrl: string): string {
  const base = new URL(baseUrl);
  const chart = new QuickChart()
    .setScheme(base.protocol.replace(/:$/, ''))
    // `host` includes a non-default port ("charts.internal:3400"), which is how quickchart-js takes one.
    .setHost(base.host)
    .setWidth(spec.width)
    .setHeight(spec.height)
    .setBackgroundColor('#ffffff')
    .setFormat('png')
    .setVersion(CHART_JS_VERSION)
    .setConfig(JSON.stringify(spec.config));
  const url = new URL(chart.getUrl());
  // quickchart-js always uses `<host>/chart`; keep a path prefix for servers mounted below the root.
  const prefix = base.pathname.replace(/\/+$/, '');
  if (prefix !== '') url.pathname = `${prefix}/chart`;
  return url.href;
}

/** Slack rejects image blocks whose `image_url` is longer than this. */
export const QUICKCHART_SLACK_URL_LIMIT = 3000;
