import { loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { createChartRenderer } from '../../src/charts/index.ts';
import { CanaryError } from '../../src/core/types.ts';
import { everyKind } from './fixtures.ts';

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

  it('refuses QuickChart without a URL', () => {
    expect(() => createChartRenderer({ renderer: 'quickchart', quickchartUrl: undefined })).toThrow(
      CanaryError,
    );
  });
});
