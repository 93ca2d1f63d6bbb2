import { distinctGraders, graderBreakNote, graderSegments, NO_GRADER } from './chart-graders.ts';
import { shortenModelName, truncate } from './text.ts';
import { meetsThreshold } from './threshold.ts';

/**
 * Series → Chart.js v4 configurations. Everything returned is plain JSON (no functions, no plugins), so the
 * same config renders locally on a canvas and on a QuickChart server. Rates come in as shares (0–1) and are
 * drawn as percentages; null is a gap, never a zero.
 */

export type ChartKind =
  | 'problemsOverModels'
  | 'trainingMetrics'
  | 'problemAcrossModels'
  | 'patternGrid'
  | 'satisfactionOverTime';

/** A Chart.js configuration restricted to what JSON can carry. */
interface ChartConfig {
  type: 'line' | 'bar' | 'scatter';
  data: { labels?: (string | string[])[]; datasets: ChartDataset[] };
  options: { [key: string]: unknown };
}

export interface ChartDataset {
  label: string;
  data: unknown[];
  [key: string]: unknown;
}

export interface ChartSpec {
  kind: ChartKind;
  width: number;
  height: number;
  config: ChartConfig;
}

interface ProblemSeries {
  key: string;
  title: string;
  /** Share (0–1) the problem must reach, when it is gated. */
  threshold: number | null;
  /** One pass rate (0–1) per model, in the order of `models`; null when not evaluated. */
  rates: (number | null)[];
  /** Per model, the grader(s) behind its rate (name@version, " + " joined); null when none graded. */
  graders?: (string | null)[];
}

export interface ProblemsOverModelsInput {
  /** Candidate models in registration order: the time axis. */
  models: string[];
  problems: ProblemSeries[];
}

export interface TrainingMetricsInput {
  models: string[];
  /** Metric name → one value per model (null when the model did not report it). */
  metrics: Record<string, (number | null)[]>;
}

export interface ProblemAcrossModelsInput {
  problem: { key: string; title: string; threshold: number | null };
  points: {
    model: string;
    rate: number | null;
    ci: [number, number] | null;
    n: number;
    /** The grader(s) behind this rate; bars decided by different graders are labelled and noted. */
    gradedBy?: string | null;
  }[];
}

type GridStatus = 'passed' | 'failed' | 'errored';

export interface PatternGridInput {
  models: string[];
  patterns: { id: number | string; label: string }[];
  /** cells[pattern][model]; null when the pattern was not run on that model. */
  cells: (GridStatus | null)[][];
}

export interface SatisfactionOverTimeInput {
  /** UTC days (YYYY-MM-DD), oldest first: the time axis. */
  days: string[];
  /** One line per model version: share of 👍 per day (null: nobody rated it that day). */
  versions: { model: string; shares: (number | null)[] }[];
}

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 450;
export const NO_DATA_TITLE = 'No data yet';
/** Longest model label on an axis before it is shortened (start and version end are kept). */
export const MODEL_LABEL_MAX = 18;
const MODEL_LABEL_MAX_CROWDED = 14;
const PATTERN_LABEL_MAX = 32;
const FONT = 12;
const TITLE_FONT = 16;

/**
 * Okabe–Ito without its yellow (too faint on white): distinguishable under the common colour-vision
 * deficiencies. With more series than colours, point shapes and dashes keep lines apart.
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00', '#000000'] as const;
const POINT_STYLES = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star', 'cross'] as const;
const DASHES: number[][] = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
const STATUS_COLOURS: Record<GridStatus, string> = {
  passed: '#0072B2',
  failed: '#D55E00',
  errored: '#7F7F7F',
};
const STATUS_STYLES: Record<GridStatus, string> = { passed: 'circle', failed: 'rect', errored: 'crossRot' };
const INTERVAL_COLOUR = '#333333';
const THRESHOLD_COLOUR = '#000000';

function colourFor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

/** The headline: one line per problem across candidate models, with each problem's threshold in its colour. */
export function problemsOverModelsChart(input: ProblemsOverModelsInput): ChartSpec {
  const { models, problems } = input;
  const labels = modelLabels(models);
  const title = 'Pass rate per problem across candidate models';
  const hasData = problems.some((p) => p.rates.some(isNumber));
  if (models.length === 0 || problems.length === 0 || !hasData) {
    return emptySpec('problemsOverModels', 'line', title, labels, '%');
  }
  // Where a problem's graders change between models the line stops and a new one starts: the two sides were
  // judged by different graders and are not comparable, so no segment joins them.
  const segmented = problems.map((p) => ({ name: p.key, segments: graderSegments(p.rates, p.graders) }));
  const datasets: ChartDataset[] = problems.flatMap((p, i) => {
    const segments = segmented[i]?.segments ?? [];
    const all = models.map((_, m) => toPercent(p.rates[m] ?? null));
    if (segments.length <= 1) return [lineOf(truncate(p.title || p.key, 40), all, i, models.length)];
    return segments.map((s) =>
      lineOf(
        `${truncate(p.title || p.key, 30)} · ${truncate(s.gradedBy, 24)}`,
        all.map((v, m) => (s.indexes.includes(m) ? v : null)),
        i,
        models.length,
      ),
    );
  });
  const gated = problems.map((p, i) => ({ p, i })).filter(({ p }) => p.threshold !== null);
  if (gated.length > 0) {
    // One dataset for every threshold keeps the legend to one entry; each mark is a short horizontal dash
    // in its problem's colour at every model, which reads as a dashed line.
    const marks = gated.flatMap(({ p }) => labels.map((label) => ({ x: label, y: toPercent(p.threshold) })));
    const colours = gated.flatMap(({ i }) => labels.map(() => colourFor(i)));
    datasets.push({
      type: 'line',
      label: 'Threshold',
      data: marks,
      showLine: false,
      pointStyle: 'line',
      pointRadius: dashRadius(models.length),
      pointHoverRadius: dashRadius(models.length),
      pointBorderWidth: 2,
      pointBorderColor: colours,
      pointBackgroundColor: colours,
      borderColor: THRESHOLD_COLOUR,
      backgroundColor: THRESHOLD_COLOUR,
      order: 2,
    });
  }
  return spec('problemsOverModels', {
    type: 'line',
    data: { labels, datasets },
    options: withNote(
      baseOptions(title, problems.length, {
        x: categoryAxis('Candidate model (registration order)'),
        y: percentAxis(),
      }),
      graderBreakNote(segmented),
    ),
  });
}

function lineOf(label: string, data: (number | null)[], i: number, models: number): ChartDataset {
  return {
    label,
    data,
    borderColor: colourFor(i),
    backgroundColor: colourFor(i),
    borderDash: dashFor(i),
    pointStyle: pointStyleFor(i),
    ...pointSizes(models),
    borderWidth: 2,
    spanGaps: false,
    fill: false,
    order: 1,
  };
}

/** A subtitle under the title when the chart has something to warn about (graders that differ). */
function withNote(options: ChartConfig['options'], note: string | null): ChartConfig['options'] {
  if (note === null) return options;
  const plugins = (options['plugins'] ?? {}) as Record<string, unknown>;
  return {
    ...options,
    plugins: { ...plugins, subtitle: { display: true, text: note, font: { size: FONT } } },
  };
}

/** Reported training metrics (AUC, F1, …) per model, one line per metric. */
export function trainingMetricsChart(input: TrainingMetricsInput): ChartSpec {
  const { models } = input;
  const names = Object.keys(input.metrics).sort();
  const labels = modelLabels(models);
  const title = 'Reported training metrics per model';
  const hasData = names.some((name) => (input.metrics[name] ?? []).some(isNumber));
  if (models.length === 0 || names.length === 0 || !hasData) {
    return emptySpec('trainingMetrics', 'line', title, labels, 'value');
  }
  const datasets: ChartDataset[] = names.map((name, i) => {
    const values = input.metrics[name] ?? [];
    return {
      label: truncate(name, 40),
      data: models.map((_, m) => finiteOrNull(values[m] ?? null)),
      borderColor: colourFor(i),
      backgroundColor: colourFor(i),
      borderDash: dashFor(i),
      pointStyle: pointStyleFor(i),
      ...pointSizes(models.length),
      borderWidth: 2,
      spanGaps: false,
      fill: false,
    };
  });
  return spec('trainingMetrics', {
    type: 'line',
    data: { labels, datasets },
    options: baseOptions(title, names.length, {
      x: categoryAxis('Model (registration order)'),
      y: { title: axisTitle('Reported value'), ticks: { font: { size: FONT } } },
    }),
  });
}

/**
 * What users think over time: share of 👍 per day, one line per model version. A day nobody rated a version
 * is a gap, so a version that stopped serving does not drift towards zero.
 */
export function satisfactionOverTimeChart(input: SatisfactionOverTimeInput): ChartSpec {
  const title = 'Users: share of 👍 per day, by model version';
  const hasData = input.versions.some((v) => v.shares.some((s) => s !== null));
  if (input.days.length === 0 || !hasData) {
    return emptySpec('satisfactionOverTime', 'line', title, input.days, '%');
  }
  const names = modelLabels(input.versions.map((v) => v.model));
  const datasets: ChartDataset[] = input.versions.map((v, i) => ({
    label: names[i] ?? v.model,
    data: input.days.map((_, d) => toPercent(v.shares[d] ?? null)),
    borderColor: colourFor(i),
    backgroundColor: colourFor(i),
    borderDash: dashFor(i),
    pointStyle: pointStyleFor(i),
    ...pointSizes(input.days.length),
    borderWidth: 2,
    spanGaps: false,
    fill: false,
  }));
  return spec('satisfactionOverTime', {
    type: 'line',
    data: { labels: input.days, datasets },
    options: baseOptions(title, datasets.length, {
      x: categoryAxis('Day (UTC)'),
      y: { ...percentAxis(), title: axisTitle('Rated 👍 (%)') },
    }),
  });
}

/** One problem on every model: pass-rate bars, a thin dark bar for each Wilson 95% interval, the threshold line. */
export function problemAcrossModelsChart(input: ProblemAcrossModelsInput): ChartSpec {
  const { problem, points } = input;
  const name = truncate(problem.title || problem.key, 60);
  const title = `${name}: pass rate per model (95% interval)`;
  // Bars decided by different graders stay side by side but each says which grader decided it.
  const graders = distinctGraders(points);
  const mixed = graders.length > 1;
  const labels: (string | string[])[] = modelLabels(points.map((p) => p.model)).map((label, i) => {
    const lines = [label, `n=${points[i]?.n ?? 0}`];
    return mixed ? [...lines, truncate(points[i]?.gradedBy ?? NO_GRADER, MODEL_LABEL_MAX)] : lines;
  });
  const note = mixed ? truncate(`Not comparable: graded by ${graders.join(' vs ')}`, 160) : null;
  if (points.length === 0 || !points.some((p) => isNumber(p.rate))) {
    return emptySpec('problemAcrossModels', 'bar', title, labels, '%');
  }
  const threshold = problem.threshold;
  const barColours = points.map((p) =>
    meetsThreshold(p.rate, threshold) === false ? STATUS_COLOURS.failed : STATUS_COLOURS.passed,
  );
  const datasets: ChartDataset[] = [
    {
      type: 'bar',
      label: '95% interval',
      data: points.map((p) => (p.ci === null ? null : [toPercent(p.ci[0]), toPercent(p.ci[1])])),
      backgroundColor: INTERVAL_COLOUR,
      borderColor: INTERVAL_COLOUR,
      borderWidth: 0,
      barPercentage: 0.08,
      categoryPercentage: 1,
      grouped: false,
      minBarLength: 2,
      order: 0,
    },
    {
      type: 'bar',
      label: threshold === null ? 'Pass rate' : 'Pass rate (blue meets, vermillion below threshold)',
      data: points.map((p) => toPercent(p.rate)),
      backgroundColor: barColours,
      borderColor: barColours,
      borderWidth: 0,
      barPercentage: 0.7,
      categoryPercentage: 0.9,
      grouped: false,
      order: 2,
    },
  ];
  if (threshold !== null) {
    datasets.push({
      type: 'line',
      label: `Threshold ${formatPercent(threshold)}`,
      data: points.map(() => toPercent(threshold)),
      borderColor: THRESHOLD_COLOUR,
      backgroundColor: THRESHOLD_COLOUR,
      borderDash: [6, 4],
      borderWidth: 2,
      pointRadius: 0,
      pointHoverRadius: 0,
      fill: false,
      order: 1,
    });
  }
  return spec('problemAcrossModels', {
    type: 'bar',
    data: { labels, datasets },
    options: withNote(
      baseOptions(title, datasets.length, {
        x: categoryAxis('Model'),
        y: percentAxis(),
      }),
      note,
    ),
  });
}

/**
 * Which pattern passed, failed or errored on which model: a matrix of marks, one per cell, with status told
 * by colour AND shape. Tall grids get a taller image rather than unreadable rows.
 */
export function patternGridChart(input: PatternGridInput): ChartSpec {
  const { models, patterns, cells } = input;
  const xLabels = modelLabels(models);
  const yLabels = uniqueLabels(patterns.map((p) => truncate(`#${p.id} ${p.label}`, PATTERN_LABEL_MAX)));
  const title = 'Pattern outcomes per model';
  const height = gridHeight(patterns.length);
  const hasData = cells.some((row) => row.some((c) => c !== null && c !== undefined));
  if (models.length === 0 || patterns.length === 0 || !hasData) {
    return { ...emptySpec('patternGrid', 'scatter', title, xLabels, 'pattern'), height };
  }
  const radius = gridRadius(models.length, patterns.length, height);
  const statuses: GridStatus[] = ['passed', 'failed', 'errored'];
  const datasets: ChartDataset[] = statuses.map((status) => ({
    label: status,
    data: patterns.flatMap((_, p) =>
      models.flatMap((_, m) => (cells[p]?.[m] === status ? [{ x: xLabels[m]!, y: yLabels[p]! }] : [])),
    ),
    backgroundColor: STATUS_COLOURS[status],
    borderColor: STATUS_COLOURS[status],
    pointStyle: STATUS_STYLES[status],
    pointRadius: radius,
    pointHoverRadius: radius,
    borderWidth: status === 'errored' ? 2 : 1,
  }));
  return {
    kind: 'patternGrid',
    width: CHART_WIDTH,
    height,
    config: {
      type: 'scatter',
      data: { datasets },
      options: baseOptions(title, 3, {
        x: { ...categoryAxis('Model'), type: 'category', labels: xLabels, offset: true },
        y: {
          type: 'category',
          labels: yLabels,
          offset: true,
          title: axisTitle('Pattern'),
          ticks: { autoSkip: false, font: { size: FONT } },
          grid: { display: false },
        },
      }),
    },
  };
}

/**
 * Axis labels for models: shortened where long, and made unique so Chart.js' category scale (which matches
 * data to labels by text) never folds two models into one.
 */
export function modelLabels(models: readonly string[]): string[] {
  // Crowded axes get shorter labels: rotated ticks otherwise eat the plot's height.
  const max = models.length > 12 ? MODEL_LABEL_MAX_CROWDED : MODEL_LABEL_MAX;
  return uniqueLabels(models.map((m) => shortenModelName(m, max)));
}

function uniqueLabels(labels: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((label) => {
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    return count === 1 ? label : `${label} (${count})`;
  });
}

function spec(kind: ChartKind, config: ChartConfig): ChartSpec {
  return { kind, width: CHART_WIDTH, height: CHART_HEIGHT, config };
}

/** A valid chart with axes and a "No data yet" title, so callers never special-case empty reports. */
function emptySpec(
  kind: ChartKind,
  type: ChartConfig['type'],
  subject: string,
  labels: (string | string[])[],
  unit: '%' | 'value' | 'pattern',
): ChartSpec {
  const y = unit === '%' ? percentAxis() : { title: axisTitle(unit), ticks: { font: { size: FONT } } };
  return spec(kind, {
    type,
    data: { labels, datasets: [] },
    options: {
      ...baseOptions(NO_DATA_TITLE, 0, { x: categoryAxis('Model'), y }),
      plugins: {
        title: { display: true, text: NO_DATA_TITLE, font: { size: TITLE_FONT, weight: 'bold' } },
        subtitle: { display: true, text: subject, font: { size: FONT } },
        legend: { display: false },
      },
    },
  });
}

function baseOptions(
  title: string,
  series: number,
  scales: { [key: string]: unknown },
): ChartConfig['options'] {
  return {
    responsive: false,
    maintainAspectRatio: false,
    animation: false,
    layout: { padding: 8 },
    plugins: {
      title: { display: true, text: title, font: { size: TITLE_FONT, weight: 'bold' } },
      legend: {
        display: series > 0,
        position: 'bottom',
        // Point-style boxes are sized from boxHeight; 8 px keeps 30 entries to a few rows under the plot.
        labels: { font: { size: FONT }, usePointStyle: true, boxWidth: 8, boxHeight: 8, padding: 8 },
      },
      tooltip: { enabled: false },
    },
    scales,
  };
}

function categoryAxis(title: string): { [key: string]: unknown } {
  return {
    title: axisTitle(title),
    // Offset keeps the first and last points (and threshold dashes) off the plot's edges.
    offset: true,
    ticks: { font: { size: FONT }, autoSkip: true, maxRotation: 45, minRotation: 0 },
    grid: { display: false },
  };
}

function percentAxis(): { [key: string]: unknown } {
  return {
    min: 0,
    max: 100,
    title: axisTitle('Pass rate (%)'),
    ticks: { stepSize: 20, font: { size: FONT } },
  };
}

function axisTitle(text: string): { [key: string]: unknown } {
  return { display: true, text, font: { size: FONT } };
}

function pointSizes(models: number): { pointRadius: number; pointHoverRadius: number } {
  // A single model has no line to see, so its point carries the series.
  const radius = models === 1 ? 6 : models > 30 ? 2 : 3;
  return { pointRadius: radius, pointHoverRadius: radius };
}

/** Half the width of a threshold dash: most of a category's width, so dashes at neighbouring models nearly touch. */
function dashRadius(models: number): number {
  const plotWidth = CHART_WIDTH - 260;
  return Math.max(3, Math.min(14, Math.floor(plotWidth / Math.max(models, 1) / 2.5)));
}

function gridHeight(patterns: number): number {
  return Math.min(1600, Math.max(CHART_HEIGHT, 140 + patterns * 16));
}

function gridRadius(models: number, patterns: number, height: number): number {
  const cellW = (CHART_WIDTH - 300) / Math.max(models, 1);
  const cellH = (height - 160) / Math.max(patterns, 1);
  return Math.max(2, Math.min(10, Math.floor(Math.min(cellW, cellH) * 0.4)));
}

function dashFor(index: number): number[] {
  return DASHES[Math.floor(index / PALETTE.length) % DASHES.length]!;
}

function pointStyleFor(index: number): string {
  return POINT_STYLES[Math.floor(index / PALETTE.length) % POINT_STYLES.length]!;
}

function toPercent(share: number | null): number | null {
  if (share === null || !Number.isFinite(share)) return null;
  return Math.round(share * 1000) / 10;
}

function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function formatPercent(share: number): string {
  const percent = Math.round(share * 1000) / 10;
  return `${percent}%`;
}
