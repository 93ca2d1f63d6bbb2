import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { renderPng } from '../../src/charts/render.ts';
import {
  PALETTE,
  patternGridChart,
  problemAcrossModelsChart,
  problemsOverModelsChart,
  satisfactionOverTimeChart,
  trainingMetricsChart,
} from '../../src/core/charts.ts';
import { bigProblemsOverModels, everyKind } from './fixtures.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decodes the PNG and returns its pixels, so tests judge what a person would see. */
async function decode(png: Buffer) {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  return { width: image.width, height: image.height, data };
}

function colourCounts(data: Uint8ClampedArray): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < data.length; i += 4) {
    const key = `${data[i]},${data[i + 1]},${data[i + 2]},${data[i + 3]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function hexToRgba(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},255`;
}

describe('renderPng', () => {
  it.each(everyKind().map((spec) => [spec.kind, spec] as const))(
    '%s renders to a decodable, non-blank PNG of the right size',
    async (_, spec) => {
      const { width, height, data } = await decode(await renderPng(spec));
      expect([width, height]).toEqual([spec.width, spec.height]);
      const counts = colourCounts(data);
      // White background, opaque everywhere (Slack's dark theme would show transparency as black).
      expect(data[3]).toBe(255);
      expect(counts.get('255,255,255,255') ?? 0).toBeGreaterThan((width * height) / 3);
      const inked = width * height - (counts.get('255,255,255,255') ?? 0);
      expect(inked).toBeGreaterThan(width * height * 0.01);
      expect(counts.size).toBeGreaterThan(5);
    },
  );

  it('draws the series in palette colours on the headline chart (50 models × 30 problems)', async () => {
    const spec = bigProblemsOverModels();
    const { data } = await decode(await renderPng(spec));
    const counts = colourCounts(data);
    const present = PALETTE.filter((hex) => (counts.get(hexToRgba(hex)) ?? 0) > 20);
    expect(present.length).toBeGreaterThanOrEqual(5);
  });

  it('renders the empty and single-model charts without throwing', async () => {
    for (const spec of [
      problemsOverModelsChart({ models: [], problems: [] }),
      trainingMetricsChart({ models: [], metrics: {} }),
      problemAcrossModelsChart({ problem: { key: 'k', title: 'K', threshold: 0.5 }, points: [] }),
      patternGridChart({ models: [], patterns: [], cells: [] }),
      satisfactionOverTimeChart({ days: [], versions: [] }),
      satisfactionOverTimeChart({ days: ['2026-12-01'], versions: [{ model: 'bot@v3', shares: [0.8] }] }),
      patternGridChart({ models: ['only@v1'], patterns: [{ id: 1, label: 'x' }], cells: [['failed']] }),
      trainingMetricsChart({ models: ['only@v1'], metrics: { auc: [0.9] } }),
      problemsOverModelsChart({
        models: ['only@v1'],
        problems: [{ key: 'a', title: 'A', threshold: 0.5, rates: [0.7] }],
      }),
    ]) {
      const { width, height, data } = await decode(await renderPng(spec));
      expect([width, height]).toEqual([spec.width, spec.height]);
      expect(colourCounts(data).size).toBeGreaterThan(2);
    }
  });

  it('leaves the spec untouched, so it can be rendered again', async () => {
    const spec = bigProblemsOverModels(5, 3);
    const before = JSON.stringify(spec);
    const first = await renderPng(spec);
    expect(JSON.stringify(spec)).toBe(before);
    const second = await renderPng(spec);
    expect(second.equals(first)).toBe(true);
  });
});
