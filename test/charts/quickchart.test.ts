import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { quickChartUrl } from '../../src/charts/quickchart.ts';
import { problemAcrossModelsChart } from '../../src/core/charts.ts';
import { bigProblemsOverModels } from './fixtures.ts';

const spec = problemAcrossModelsChart({
  problem: { key: 'sarcasm', title: 'Sarcasm & irony <b>', threshold: 0.8 },
  points: [
    { model: 'a@v1', rate: 0.9, ci: [0.8, 0.95], n: 40 },
    { model: 'a@v2', rate: null, ci: null, n: 0 },
  ],
});

describe('quickChartUrl', () => {
  it('carries the exact config as JSON, for Chart.js 4, at the spec size', () => {
    const url = new URL(quickChartUrl(spec, 'https://quickchart.example.com'));
    expect(url.origin).toBe('https://quickchart.example.com');
    expect(url.pathname).toBe('/chart');
    expect(JSON.parse(url.searchParams.get('c')!)).toEqual(spec.config);
    expect(url.searchParams.get('w')).toBe(String(spec.width));
    expect(url.searchParams.get('h')).toBe(String(spec.height));
    expect(url.searchParams.get('v')).toBe('4');
    expect(url.searchParams.get('f')).toBe('png');
    expect(url.searchParams.get('bkg')).toBe('#ffffff');
  });

  it('percent-encodes the config in the raw URL', () => {
    const raw = quickChartUrl(spec, 'https://quickchart.example.com');
    expect(raw).toContain(`c=${encodeURIComponent(JSON.stringify(spec.config)).slice(0, 40)}`);
    expect(raw).not.toMatch(/[<>" ]/);
  });

  it('keeps the scheme, a non-default port and a path prefix of the base URL', () => {
    const url = new URL(quickChartUrl(spec, 'http://charts.internal:3400/qc/'));
    expect(url.protocol).toBe('http:');
    expect(url.host).toBe('charts.internal:3400');
    expect(url.pathname).toBe('/qc/chart');
    expect(JSON.parse(url.searchParams.get('c')!)).toEqual(spec.config);
  });

  it('still builds (long) URLs for the 50 × 30 headline chart', () => {
    const big = bigProblemsOverModels();
    const url = quickChartUrl(big, 'https://quickchart.example.com');
    expect(JSON.parse(new URL(url).searchParams.get('c')!)).toEqual(big.config);
    expect(url.length).toBeGreaterThan(3000);
  });

  it('is what a server sees when the URL is fetched', async () => {
    const seen: URL[] = [];
    const server = createServer((req, res) => {
      seen.push(new URL(req.url ?? '/', 'http://localhost'));
      res.writeHead(200, { 'content-type': 'image/png' }).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(quickChartUrl(spec, `http://127.0.0.1:${port}/render`));
      expect(response.status).toBe(200);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.pathname).toBe('/render/chart');
      expect(JSON.parse(seen[0]!.searchParams.get('c')!)).toEqual(spec.config);
    } finally {
      server.close();
      await once(server, 'close');
    }
  });
});
