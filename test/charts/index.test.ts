import { loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { createChartRenderer, QUICKCHART_SLACK_URL_LIMIT, quickChartUrl } from '../../src/charts/index.ts';
import { CanaryError } from '../../src/core/errors.ts';
import { bigProblemsOverModels, everyKind } from './fixtures.ts';

describe('createChartRenderer', () => {
  it('renders PNGs locally by default', async () => {
    const renderer = createChartRenderer({ renderer: 'local', quickchartUrl: undefined });
    expect(renderer.kind).toBe('local');
    const spec = everyKind()[0]!;
    const out = await renderer.render(spec);
    expect('png' in out).toBe(true);
    if (!('png' in out)) return;
    const image = await loadImage(out.png);
    expect([image.width, image.height]).toEqual([spec.width, spec.height]);
  });

  it('gives QuickChart URLs without touching the network', async () => {
    const renderer = createChartRenderer({ renderer: 'quickchart', quickchartUrl: 'https://qc.example.com' });
    expect(renderer.kind).toBe('quickchart');
    const spec = everyKind()[1]!;
    const out = await renderer.render(spec);
    expect(out).toEqual({ url: expect.stringMatching(/^https:\/\/qc\.example\.com\/chart\?c=/) });
  });

  it('falls back to a PNG when the QuickChart URL would be longer than Slack accepts', async () => {
    const renderer = createChartRenderer({ renderer: 'quickchart', quickchartUrl: 'https://qc.example.com' });
    const big = bigProblemsOverModels();
    expect(quickChartUrl(big, 'https://qc.example.com').length).toBeGreaterThan(QUICKCHART_SLACK_URL_LIMIT);
    const out = await renderer.render(big);
    expect('png' in out).toBe(true);
  });

  it('refuses QuickChart without a URL', () => {
    expect(() => createChartRenderer({ renderer: 'quickchart', quickchartUrl: undefined })).toThrow(
      CanaryError,
    );
  });
});
