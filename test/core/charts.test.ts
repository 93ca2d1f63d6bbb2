import { describe, expect, it } from 'vitest';
import {
  CHART_HEIGHT,
  CHART_WIDTH,
  type ChartDataset,
  type ChartSpec,
  MODEL_LABEL_MAX,
  modelLabels,
  NO_DATA_TITLE,
  PALETTE,
  patternGridChart,
  problemAcrossModelsChart,
  problemsOverModelsChart,
  satisfactionOverTimeChart,
  trainingMetricsChart,
} from '../../src/core/charts.ts';

const title = (spec: ChartSpec) => (spec.config.options['plugins'] as { title: { text: string } }).title.text;
const datasets = (spec: ChartSpec) => spec.config.data.datasets;
const byLabel = (spec: ChartSpec, prefix: string) =>
  datasets(spec).find((d) => d.label.startsWith(prefix)) as ChartDataset;

/** Whatever we build must survive JSON: QuickChart only ever sees the JSON text. */
function expectPlainJson(spec: ChartSpec) {
  expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  expect(JSON.stringify(spec)).not.toMatch(/function|=>/);
}

function bigInput(models = 50, problems = 30) {
  return {
    models: Array.from({ length: models }, (_, i) => `sentiment-roberta-large-finetuned@v${i + 1}`),
    problems: Array.from({ length: problems }, (_, p) => ({
      key: `problem-${p}`,
      title: `Problem number ${p}`,
      threshold: p % 3 === 0 ? 0.8 : null,
      rates: Array.from({ length: models }, (_, m) => (m % 7 === 3 ? null : ((p * 13 + m * 7) % 100) / 100)),
    })),
  };
}

describe('modelLabels', () => {
  it('keeps short names, shortens long ones keeping start and version end', () => {
    const labels = modelLabels(['m1', 'sentiment-roberta-large@v12']);
    expect(labels[0]).toBe('m1');
    expect(labels[1]).toMatch(/^sent.*….*@v12$/);
    expect(Array.from(labels[1]!).length).toBeLessThanOrEqual(MODEL_LABEL_MAX);
  });

  it('keeps labels unique when shortening would fold two models together', () => {
    const labels = modelLabels([
      'sentiment-roberta-large-a-run@v1',
      'sentiment-roberta-large-b-run@v1',
      'sentiment-roberta-large-a-run@v1',
    ]);
    expect(new Set(labels).size).toBe(3);
  });
});

describe('problemsOverModelsChart', () => {
  const input = {
    models: ['base@v1', 'sentiment-roberta-large@v12', 'base@v3'],
    problems: [
      { key: 'sarcasm', title: 'Sarcasm', threshold: 0.8, rates: [0.5, null, 0.9] },
      { key: 'negation', title: 'Negation', threshold: null, rates: [0.25, 0.5, 1] },
    ],
  };

  it('draws one line per problem in percent, gaps for null, thresholds in the problem colour', () => {
    const spec = problemsOverModelsChart(input);
    expectPlainJson(spec);
    expect(spec).toMatchObject({ kind: 'problemsOverModels', width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(spec.config.type).toBe('line');
    expect(spec.config.data.labels).toEqual(modelLabels(input.models));
    const sarcasm = byLabel(spec, 'Sarcasm');
    expect(sarcasm.data).toEqual([50, null, 90]);
    expect(sarcasm.spanGaps).toBe(false);
    expect(byLabel(spec, 'Negation').data).toEqual([25, 50, 100]);
    const threshold = byLabel(spec, 'Threshold');
    const labels = spec.config.data.labels as string[];
    expect(threshold.data).toEqual(labels.map((x) => ({ x, y: 80 })));
    expect(threshold.pointBorderColor).toEqual(labels.map(() => sarcasm.borderColor));
    expect(threshold.showLine).toBe(false);
    expect(spec.config.options['scales']).toMatchObject({ y: { min: 0, max: 100 } });
    expect(title(spec)).not.toBe(NO_DATA_TITLE);
  });

  it('has no threshold series when no problem is gated', () => {
    const spec = problemsOverModelsChart({
      ...input,
      problems: input.problems.map((p) => ({ ...p, threshold: null })),
    });
    expect(datasets(spec).map((d) => d.label)).toEqual(['Sarcasm', 'Negation']);
  });

  it.each([
    ['no models', { models: [], problems: [] }],
    ['no problems', { models: ['m@v1'], problems: [] }],
    ['only nulls', { models: ['m@v1'], problems: [{ key: 'a', title: 'A', threshold: 0.5, rates: [null] }] }],
  ])('%s gives a valid "No data yet" chart', (_, empty) => {
    const spec = problemsOverModelsChart(empty);
    expectPlainJson(spec);
    expect(title(spec)).toBe(NO_DATA_TITLE);
    expect(datasets(spec)).toEqual([]);
    expect(spec.width).toBe(CHART_WIDTH);
  });

  it('shows a single model as visible points', () => {
    const spec = problemsOverModelsChart({
      models: ['only@v1'],
      problems: [{ key: 'a', title: 'A', threshold: 0.7, rates: [0.6] }],
    });
    expectPlainJson(spec);
    expect(byLabel(spec, 'A').data).toEqual([60]);
    expect(byLabel(spec, 'A').pointRadius).toBeGreaterThanOrEqual(5);
    expect(byLabel(spec, 'Threshold').data).toEqual([{ x: 'only@v1', y: 70 }]);
  });

  it('copes with 50 models × 30 problems: every series, distinct colour/shape/dash per problem', () => {
    const big = bigInput();
    const spec = problemsOverModelsChart(big);
    expectPlainJson(spec);
    const lines = datasets(spec).filter((d) => !d.label.startsWith('Threshold'));
    expect(lines).toHaveLength(30);
    for (const line of lines) expect(line.data).toHaveLength(50);
    const looks = new Set(
      lines.map((d) => `${d.borderColor}|${d.pointStyle}|${JSON.stringify(d.borderDash)}`),
    );
    expect(looks.size).toBe(30);
    expect(new Set(lines.map((d) => d.borderColor)).size).toBe(PALETTE.length);
    const labels = spec.config.data.labels as string[];
    expect(new Set(labels).size).toBe(50);
    for (const label of labels) expect(Array.from(label).length).toBeLessThanOrEqual(MODEL_LABEL_MAX + 5);
    expect(byLabel(spec, 'Threshold').data).toHaveLength(10 * 50);
    expect(spec.config.options['plugins']).toMatchObject({ legend: { display: true } });
  });

  it('keeps every font at 12 px or more', () => {
    const sizes = JSON.stringify(problemsOverModelsChart(bigInput()).config).match(/"size":\d+/g) ?? [];
    expect(sizes.length).toBeGreaterThan(0);
    for (const s of sizes) expect(Number(s.split(':')[1])).toBeGreaterThanOrEqual(12);
  });
});

describe('palette', () => {
  it('is Okabe–Ito (colour-blind safe) with no duplicates', () => {
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
    expect(PALETTE).toContain('#0072B2');
    expect(PALETTE).toContain('#D55E00');
  });
});

describe('trainingMetricsChart', () => {
  it('draws one line per metric, sorted by name, nulls as gaps', () => {
    const spec = trainingMetricsChart({
      models: ['a@v1', 'a@v2'],
      metrics: { auc: [0.91, 0.93], f1: [null, 0.8] },
    });
    expectPlainJson(spec);
    expect(spec.kind).toBe('trainingMetrics');
    expect(datasets(spec).map((d) => [d.label, d.data])).toEqual([
      ['auc', [0.91, 0.93]],
      ['f1', [null, 0.8]],
    ]);
    expect(datasets(spec).every((d) => d.spanGaps === false)).toBe(true);
  });

  it.each([
    ['no models', { models: [], metrics: {} }],
    ['no metrics', { models: ['a@v1'], metrics: {} }],
  ])('%s gives "No data yet"', (_, empty) => {
    const spec = trainingMetricsChart(empty);
    expectPlainJson(spec);
    expect(title(spec)).toBe(NO_DATA_TITLE);
  });

  it('handles a single model and 50 models × 30 metrics', () => {
    expect(datasets(trainingMetricsChart({ models: ['a@v1'], metrics: { auc: [0.9] } }))[0]!.data).toEqual([
      0.9,
    ]);
    const metrics = Object.fromEntries(
      Array.from({ length: 30 }, (_, k) => [
        `m${String(k).padStart(2, '0')}`,
        Array.from({ length: 50 }, () => 0.5),
      ]),
    );
    const spec = trainingMetricsChart({ models: bigInput().models, metrics });
    expectPlainJson(spec);
    expect(datasets(spec)).toHaveLength(30);
    expect(spec.config.data.labels).toHaveLength(50);
  });
});

describe('problemAcrossModelsChart', () => {
  const problem = { key: 'sarcasm', title: 'Sarcasm', threshold: 0.8 };

  it('draws rate bars, interval bars [lo, hi] and the threshold line, with n under each model', () => {
    const spec = problemAcrossModelsChart({
      problem,
      points: [
        { model: 'a@v1', rate: 0.9, ci: [0.8, 0.95], n: 40 },
        { model: 'sentiment-roberta-large@v12', rate: 0.5, ci: [0.3, 0.7], n: 20 },
        { model: 'a@v3', rate: null, ci: null, n: 0 },
      ],
    });
    expectPlainJson(spec);
    expect(spec.kind).toBe('problemAcrossModels');
    expect(spec.config.data.labels).toEqual([
      ['a@v1', 'n=40'],
      [modelLabels(['sentiment-roberta-large@v12'])[0], 'n=20'],
      ['a@v3', 'n=0'],
    ]);
    const rates = byLabel(spec, 'Pass rate');
    expect(rates.data).toEqual([90, 50, null]);
    expect(rates.backgroundColor).toEqual(['#0072B2', '#D55E00', '#0072B2']);
    const interval = byLabel(spec, '95%');
    expect(interval.data).toEqual([[80, 95], [30, 70], null]);
    expect(interval.grouped).toBe(false);
    expect(interval.barPercentage as number).toBeLessThan(rates.barPercentage as number);
    const threshold = byLabel(spec, 'Threshold');
    expect(threshold).toMatchObject({ type: 'line', data: [80, 80, 80], label: 'Threshold 80%' });
  });

  it('has no threshold line for an ungated problem', () => {
    const spec = problemAcrossModelsChart({
      problem: { ...problem, threshold: null },
      points: [{ model: 'a', rate: 0.5, ci: [0.2, 0.8], n: 4 }],
    });
    expect(datasets(spec).map((d) => d.label)).toEqual(['95% interval', 'Pass rate']);
  });

  it('gives "No data yet" with no points or nothing rated', () => {
    expect(title(problemAcrossModelsChart({ problem, points: [] }))).toBe(NO_DATA_TITLE);
    const spec = problemAcrossModelsChart({ problem, points: [{ model: 'a', rate: null, ci: null, n: 0 }] });
    expectPlainJson(spec);
    expect(title(spec)).toBe(NO_DATA_TITLE);
  });

  it('handles 50 models', () => {
    const points = bigInput().models.map((model, i) => ({
      model,
      rate: (i % 10) / 10,
      ci: [Math.max(0, (i % 10) / 10 - 0.1), Math.min(1, (i % 10) / 10 + 0.1)] as [number, number],
      n: 30,
    }));
    const spec = problemAcrossModelsChart({ problem, points });
    expectPlainJson(spec);
    for (const d of datasets(spec)) expect(d.data).toHaveLength(50);
  });
});

describe('patternGridChart', () => {
  it('places one mark per cell, by status, on category axes; null cells stay empty', () => {
    const spec = patternGridChart({
      models: ['a@v1', 'a@v2'],
      patterns: [
        { id: 1, label: 'I love waiting an hour' },
        { id: 2, label: 'not bad at all' },
      ],
      cells: [
        ['failed', 'passed'],
        ['errored', null],
      ],
    });
    expectPlainJson(spec);
    expect(spec.config.type).toBe('scatter');
    const scales = spec.config.options['scales'] as { x: { labels: string[] }; y: { labels: string[] } };
    expect(scales.x.labels).toEqual(['a@v1', 'a@v2']);
    expect(scales.y.labels).toEqual(['#1 I love waiting an hour', '#2 not bad at all']);
    const y = scales.y.labels;
    expect(byLabel(spec, 'passed').data).toEqual([{ x: 'a@v2', y: y[0] }]);
    expect(byLabel(spec, 'failed').data).toEqual([{ x: 'a@v1', y: y[0] }]);
    expect(byLabel(spec, 'errored').data).toEqual([{ x: 'a@v1', y: y[1] }]);
    const looks = datasets(spec).map((d) => `${d.backgroundColor}|${d.pointStyle}`);
    expect(new Set(looks).size).toBe(3);
  });

  it.each([
    ['no models', { models: [], patterns: [], cells: [] }],
    ['no patterns', { models: ['a'], patterns: [], cells: [] }],
    ['all null', { models: ['a'], patterns: [{ id: 1, label: 'x' }], cells: [[null]] }],
  ])('%s gives "No data yet"', (_, empty) => {
    const spec = patternGridChart(empty);
    expectPlainJson(spec);
    expect(title(spec)).toBe(NO_DATA_TITLE);
  });

  it('handles a single model and grows taller (within limits) for many patterns', () => {
    const one = patternGridChart({ models: ['a'], patterns: [{ id: 1, label: 'x' }], cells: [['passed']] });
    expect(one.height).toBe(CHART_HEIGHT);
    expect(byLabel(one, 'passed').data).toHaveLength(1);
    const models = bigInput().models;
    const patterns = Array.from({ length: 30 }, (_, i) => ({ id: i + 1, label: `pattern text ${i}` }));
    const statuses = ['passed', 'failed', 'errored', null] as const;
    const cells = patterns.map((_, p) => models.map((_, m) => statuses[(p + m) % 4]!));
    const spec = patternGridChart({ models, patterns, cells });
    expectPlainJson(spec);
    const total = datasets(spec).reduce((sum, d) => sum + d.data.length, 0);
    expect(total).toBe(30 * 50 - cells.flat().filter((c) => c === null).length);
    expect(spec.height).toBeGreaterThan(CHART_HEIGHT);
    expect(spec.height).toBeLessThanOrEqual(1600);
  });
});

describe('satisfactionOverTimeChart', () => {
  it('draws one line per version in percent over days, a day nobody rated as a gap', () => {
    const spec = satisfactionOverTimeChart({
      days: ['2026-11-30', '2026-12-01', '2026-12-02'],
      versions: [
        { model: 'bot@v2', shares: [0.74, null, 0.7] },
        { model: 'bot@v3', shares: [null, 0.825, 0.8] },
      ],
    });
    expectPlainJson(spec);
    expect(spec.kind).toBe('satisfactionOverTime');
    expect(spec.config.data.labels).toEqual(['2026-11-30', '2026-12-01', '2026-12-02']);
    expect(byLabel(spec, 'bot@v2').data).toEqual([74, null, 70]);
    expect(byLabel(spec, 'bot@v3').data).toEqual([null, 82.5, 80]);
    expect(byLabel(spec, 'bot@v2').borderColor).not.toBe(byLabel(spec, 'bot@v3').borderColor);
  });

  it.each([
    ['no days', { days: [], versions: [] }],
    ['no ratings on any day', { days: ['2026-12-01'], versions: [{ model: 'bot@v1', shares: [null] }] }],
  ])('gives "No data yet" with %s', (_, input) => {
    expect(title(satisfactionOverTimeChart(input))).toBe(NO_DATA_TITLE);
  });
});
