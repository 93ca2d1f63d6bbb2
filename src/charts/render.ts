import { promisify } from 'node:util';
import { crc32, deflate } from 'node:zlib';
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { ChartConfiguration, ChartItem, Plugin } from 'chart.js';
import type { ChartDataset, ChartSpec } from '../core/charts.ts';

const deflateAsync = promisify(deflate);

/**
 * Skia and Chart.js are loaded on the first render, not at import: a worker that never draws a chart (no Slack
 * configured) does not carry them (tens of MB of RSS).
 */
let engine:
  | Promise<{
      createCanvas: typeof import('@napi-rs/canvas').createCanvas;
      Chart: typeof import('chart.js').Chart;
    }>
  | undefined;

function loadEngine() {
  engine ??= Promise.all([import('@napi-rs/canvas'), import('chart.js')]).then(([canvas, chartjs]) => {
    chartjs.Chart.register(...chartjs.registerables);
    return { createCanvas: canvas.createCanvas, Chart: chartjs.Chart };
  });
  return engine;
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
  const { createCanvas, Chart } = await loadEngine();
  const canvas = createCanvas(spec.width, spec.height);
  const ctx = canvas.getContext('2d');
  // structuredClone: Chart.js writes into the config it is given; specs may be rendered more than once.
  const config = structuredClone(spec.config) as unknown as ChartConfiguration;
  const marks = lowerMarkDatasets(config.data.datasets as unknown as ChartDataset[]);
  const options = { ...config.options, responsive: false, animation: false as const };
  const chart = new Chart(ctx as unknown as ChartItem, {
    ...config,
    options,
    plugins: marks.size > 0 ? [whiteBackground, strokeMarks(marks)] : [whiteBackground],
  });
  try {
    return await encodeOpaquePng(ctx, spec.width, spec.height);
  } finally {
    chart.destroy();
  }
}

interface Marks {
  halfLength: number;
  /** How far past the plot area a mark's centre may sit and still be drawn, as Chart.js' PointElement. */
  margin: number;
  lineWidth: number;
  colours: string | readonly string[];
}

/**
 * Threshold marks are hundreds of `pointStyle: 'line'` points with per-point colours, which Chart.js strokes
 * one at a time (a third of the headline chart's draw time). Chart.js still lays them out (and lists them in
 * the legend); `strokeMarks` then draws the same segments with one path per colour instead. Only plain cases
 * are picked; anything else is left to Chart.js.
 */
function lowerMarkDatasets(datasets: ChartDataset[]): Map<number, Marks> {
  const lowered = new Map<number, Marks>();
  for (const [index, d] of datasets.entries()) {
    const colours = d.pointBorderColor;
    const plainColours =
      typeof colours === 'string' || (Array.isArray(colours) && colours.every((c) => typeof c === 'string'));
    if (
      d.showLine !== false ||
      d.pointStyle !== 'line' ||
      d.rotation !== undefined ||
      d.pointRotation !== undefined ||
      typeof d.pointRadius !== 'number' ||
      typeof d.pointBorderWidth !== 'number' ||
      !plainColours
    )
      continue;
    const hover = typeof d.pointHoverRadius === 'number' ? d.pointHoverRadius : 0;
    lowered.set(index, {
      halfLength: d.pointRadius,
      margin: Math.max(d.pointRadius, hover) + d.pointBorderWidth,
      lineWidth: d.pointBorderWidth,
      colours: colours as string | string[],
    });
  }
  return lowered;
}

function strokeMarks(marks: Map<number, Marks>): Plugin {
  return {
    id: 'canaryStrokeMarks',
    // In place of the dataset's own draw (returning false cancels it), so the marks keep their drawing order.
    beforeDatasetDraw(chart, args) {
      const mark = marks.get(args.index);
      if (!mark) return;
      if (mark.halfLength < 0.1) return false;
      const area = chart.chartArea;
      const { margin } = mark;
      // Consecutive marks of one colour share a path; a new run starts at each colour change, so marks that
      // coincide (two thresholds at the same value) overlap in the same order Chart.js would draw them.
      const runs: { colour: string; points: { x: number; y: number }[] }[] = [];
      for (const [i, el] of args.meta.data.entries()) {
        const { x, y, skip } = el as unknown as { x: number; y: number; skip?: boolean };
        if (skip || !Number.isFinite(x) || !Number.isFinite(y)) continue;
        if (
          x < area.left - margin ||
          x > area.right + margin ||
          y < area.top - margin ||
          y > area.bottom + margin
        )
          continue;
        const colour = typeof mark.colours === 'string' ? mark.colours : mark.colours[i];
        if (colour === undefined) continue;
        const last = runs[runs.length - 1];
        if (last?.colour === colour) last.points.push({ x, y });
        else runs.push({ colour, points: [{ x, y }] });
      }
      const { ctx } = chart;
      ctx.save();
      ctx.lineWidth = mark.lineWidth;
      for (const { colour, points } of runs) {
        ctx.strokeStyle = colour;
        ctx.beginPath();
        for (const { x, y } of points) {
          ctx.moveTo(x - mark.halfLength, y);
          ctx.lineTo(x + mark.halfLength, y);
        }
        ctx.stroke();
      }
      ctx.restore();
      return false;
    },
  };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The white background makes every pixel opaque, so the image is stored as 8-bit RGB (no alpha channel) with
 * zlib's fastest level: about a fifth of Skia's PNG encode time and a smaller file for flat-colour charts.
 * Lossless either way; a canvas with any transparent pixel falls back to Skia's encoder.
 */
async function encodeOpaquePng(ctx: SKRSContext2D, width: number, height: number): Promise<Buffer> {
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const stride = width * 3 + 1;
  const raw = Buffer.allocUnsafe(stride * height);
  for (let y = 0; y < height; y++) {
    let out = y * stride;
    raw[out++] = 0; // filter type None: with level 1, filtering costs more time than it saves bytes here
    for (let i = y * width * 4, end = i + width * 4; i < end; i += 4) {
      if (rgba[i + 3] !== 255) return ctx.canvas.encode('png');
      raw[out++] = rgba[i]!;
      raw[out++] = rgba[i + 1]!;
      raw[out++] = rgba[i + 2]!;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // colour type: truecolour RGB
  const pixels = await deflateAsync(raw, { level: 1 });
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', pixels),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return chunk;
}
