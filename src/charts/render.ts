import { createCanvas } from '@napi-rs/canvas';
import { Chart, type ChartConfiguration, type ChartItem, type Plugin, registerables } from 'chart.js';
import type { ChartSpec } from '../core/charts.ts';

let registered = false;

function registerOnce(): void {
  if (registered) return;
  Chart.register(...registerables);
  registered = true;
}

/** Canvas is transparent by default; Slack shows transparent PNGs on dark themes as black-on-black. */
const whiteBackground: Plugin = {
  id: 'canaryWhiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/**
 * Renders a chart spec to PNG in-process: Chart.js on @napi-rs/canvas (Skia), no browser and no network.
 * Chart.js falls back to its BasicPlatform outside a DOM, which draws straight onto the context we hand it.
 */
export async function renderPng(spec: ChartSpec): Promise<Buffer> {
  registerOnce();
  const canvas = createCanvas(spec.width, spec.height);
  const ctx = canvas.getContext('2d');
  // structuredClone: Chart.js writes into the config it is given; specs may be rendered more than once.
  const config = structuredClone(spec.config) as unknown as ChartConfiguration;
  const options = { ...config.options, responsive: false, animation: false as const };
  const chart = new Chart(ctx as unknown as ChartItem, {
    ...config,
    options,
    plugins: [whiteBackground],
  });
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}
