import type { ChartSpec } from '../../src/core/charts.ts';
import {
  patternGridChart,
  problemAcrossModelsChart,
  problemsOverModelsChart,
  satisfactionOverTimeChart,
  trainingMetricsChart,
} from '../../src/core/charts.ts';

/** Deterministic but uneven series, so charts have shape without randomness. */
export function bigModels(count = 50): string[] {
  return Array.from({ length: count }, (_, i) => `sentiment-roberta-large-finetuned@v${i + 1}`);
}

export function bigProblemsOverModels(models = 50, problems = 30): ChartSpec {
  const names = bigModels(models);
  return problemsOverModelsChart({
    models: names,
    problems: Array.from({ length: problems }, (_, p) => ({
      key: `problem-${p}`,
      title: `Problem ${p}`,
      threshold: p % 4 === 0 ? 0.6 + (p % 3) / 10 : null,
      rates: names.map((_, m) => (m % 11 === 5 ? null : 0.3 + ((p * 17 + m * 5) % 70) / 100)),
    })),
  });
}

export function everyKind(): ChartSpec[] {
  const models = bigModels(6);
  return [
    bigProblemsOverModels(6, 4),
    trainingMetricsChart({
      models,
      metrics: { auc: [0.9, 0.91, null, 0.93, 0.92, 0.94], f1: [0.8, 0.82, 0.81, 0.85, 0.84, 0.86] },
    }),
    problemAcrossModelsChart({
      problem: { key: 'sarcasm', title: 'Sarcasm read as praise', threshold: 0.8 },
      points: models.map((model, i) => ({
        model,
        rate: i === 2 ? null : 0.6 + i * 0.06,
        ci: i === 2 ? null : ([0.5 + i * 0.06, 0.7 + i * 0.05] as [number, number]),
        n: 40 + i,
      })),
    }),
    patternGridChart({
      models,
      patterns: Array.from({ length: 8 }, (_, i) => ({ id: i + 1, label: `pattern ${i}` })),
      cells: Array.from({ length: 8 }, (_, p) =>
        models.map((_, m) => (['passed', 'failed', 'errored', null] as const)[(p * 3 + m) % 4]!),
      ),
    }),
    satisfactionOverTimeChart({
      days: ['2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01'],
      versions: [
        { model: models[0] ?? 'a@v1', shares: [0.74, 0.7, null, 0.72] },
        { model: models[1] ?? 'a@v2', shares: [null, 0.8, 0.82, 0.85] },
      ],
    }),
  ];
}
