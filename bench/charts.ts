import { performance } from 'node:perf_hooks';
import { renderPng } from '../src/charts/render.ts';
import {
  type ChartKind,
  type ChartSpec,
  patternGridChart,
  problemAcrossModelsChart,
  problemsOverModelsChart,
  satisfactionOverTimeChart,
  trainingMetricsChart,
} from '../src/core/charts.ts';

export interface ChartBenchResult {
  /** Headline chart (50 models × 30 problems): build + render to PNG. */
  p50Ms: number;
  p95Ms: number;
  n: number;
  byKind: Record<ChartKind, { p50Ms: number; p95Ms: number }>;
}

const MODELS = 50;
const PROBLEMS = 30;
const PATTERNS = 60;

/** Deterministic data shaped like a busy real deployment, so runs compare with each other. */
function specs(): Record<ChartKind, () => ChartSpec> {
  const models = Array.from({ length: MODELS }, (_, i) => `sentiment-roberta-large-finetuned@v${i + 1}`);
  const rate = (p: number, m: number) => (m % 11 === 5 ? null : 0.3 + ((p * 17 + m * 5) % 70) / 100);
  return {
    problemsOverModels: () =>
      problemsOverModelsChart({
        models,
        problems: Array.from({ length: PROBLEMS }, (_, p) => ({
          key: `problem-${p}`,
          title: `Problem ${p}`,
          threshold: p % 4 === 0 ? 0.8 : null,
          rates: models.map((_, m) => rate(p, m)),
        })),
      }),
    trainingMetrics: () =>
      trainingMetricsChart({
        models,
        metrics: Object.fromEntries(
          ['auc', 'f1', 'precision', 'recall'].map((name, k) => [name, models.map((_, m) => rate(k, m))]),
        ),
      }),
    problemAcrossModels: () =>
      problemAcrossModelsChart({
        problem: { key: 'problem-0', title: 'Problem 0', threshold: 0.8 },
        points: models.map((model, m) => {
          const r = rate(0, m);
          return {
            model,
            rate: r,
            ci: r === null ? null : ([Math.max(0, r - 0.1), Math.min(1, r + 0.1)] as [number, number]),
            n: 40,
          };
        }),
      }),
    patternGrid: () =>
      patternGridChart({
        models,
        patterns: Array.from({ length: PATTERNS }, (_, i) => ({ id: i + 1, label: `pattern ${i}` })),
        cells: Array.from({ length: PATTERNS }, (_, p) =>
          models.map((_, m) => (['passed', 'failed', 'errored', null] as const)[(p * 7 + m * 3) % 4]!),
        ),
      }),
    satisfactionOverTime: () => {
      const days = Array.from({ length: 90 }, (_, d) =>
        new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10),
      );
      return satisfactionOverTimeChart({
        days,
        versions: models.slice(0, 6).map((model, v) => ({
          model,
          shares: days.map((_, d) => (d < v * 12 ? null : 0.6 + ((d * 7 + v * 13) % 30) / 100)),
        })),
      });
    },
  };
}

async function time(build: () => ChartSpec, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await renderPng(build());
    samples.push(performance.now() - start);
  }
  return samples;
}

function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round((sorted[index] ?? Number.NaN) * 100) / 100;
}

export async function benchCharts(n = 20): Promise<ChartBenchResult> {
  const builders = specs();
  // One untimed render per kind: font loading and Chart.js registration are start-up costs, not per-chart ones.
  for (const build of Object.values(builders)) await renderPng(build());
  const byKind = {} as ChartBenchResult['byKind'];
  for (const [kind, build] of Object.entries(builders) as [ChartKind, () => ChartSpec][]) {
    const samples = await time(build, n);
    byKind[kind] = { p50Ms: percentile(samples, 0.5), p95Ms: percentile(samples, 0.95) };
  }
  const headline = byKind.problemsOverModels;
  return { p50Ms: headline.p50Ms, p95Ms: headline.p95Ms, n, byKind };
}
