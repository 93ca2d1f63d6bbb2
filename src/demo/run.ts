import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Canary, startCanary } from '../app.ts';
import { createChartRenderer } from '../charts/index.ts';
import { renderPng } from '../charts/render.ts';
import { postDigestNow } from '../compose.ts';
import type { Config } from '../config.ts';
import {
  patternGridChart,
  problemAcrossModelsChart,
  problemsOverModelsChart,
  trainingMetricsChart,
} from '../core/charts.ts';
import type { Comparison, Verdict } from '../core/compare.ts';
import { compareOutcomes } from '../core/compare.ts';
import { formatInterval, formatRate } from '../core/metrics.ts';
import type { Model } from '../core/model.ts';
import { formatModelRef } from '../core/model.ts';
import type { PatternOutcome } from '../core/outcome.ts';
import { evaluationIdsOfAdd } from '../db/queries/evaluations.ts';
import { getProblemByKey } from '../db/queries/problems.ts';
import { modelIdsWithResultsOn } from '../db/queries/results.ts';
import type { Logger } from '../logger.ts';
import { getEvaluation } from '../services/evaluation/results.ts';
import {
  getModelByRef,
  listModels,
  promoteModel,
  queuedEvaluationId,
  registerModel,
} from '../services/models.ts';
import { addPatterns, listPatterns, type NewPatternDraft } from '../services/patterns.ts';
import { createProblem, findProblemByKeyOrTitle } from '../services/problems.ts';
import { problemsOverModels } from '../services/reporting/evaluation-results.ts';
import { modelReport, outcomesFor, patternGrid, problemHistory } from '../services/reports.ts';
import { settingsFrom } from '../slack/context.ts';
import { announceProblem } from '../slack/journeys/problem-data.ts';
import { type GenerativeResult, generativeDemo } from './generative.ts';
import { patternGridHtml } from './grid-html.ts';
import { DEMO_PROBLEMS, LATE_PATTERN } from './problem-set.ts';
import { demoHtml } from './report-html.ts';

/** The candidate models, oldest first: three real sentiment models served by the bundled model server. */
export const DEMO_MODELS = [
  { version: 'v1', served: 'naive', metrics: { auc: 0.71, f1: 0.64, accuracy: 0.69 } },
  { version: 'v2', served: 'afinn', metrics: { auc: 0.83, f1: 0.77, accuracy: 0.8 } },
  { version: 'v3', served: 'vader', metrics: { auc: 0.86, f1: 0.8, accuracy: 0.82 } },
] as const;
export const DEMO_MODEL_NAME = 'sentiment';

export interface DemoRow {
  key: string;
  title: string;
  threshold: number | null;
  /** One cell per model, in DEMO_MODELS order. */
  cells: {
    model: string;
    n: number;
    passed: number;
    errored: number;
    passRate: number | null;
    ci: [number, number] | null;
  }[];
  /** Latest candidate against production. */
  verdict: Verdict | null;
  pValue: number | null;
  meetsThreshold: boolean | null;
}

export interface DemoResult {
  rows: DemoRow[];
  models: string[];
  production: string;
  files: string[];
  slack: boolean;
  backfilled: { pattern: string; models: string[] };
  generative: GenerativeResult;
}

export interface DemoOptions {
  log: Logger;
  /** Progress lines go here (stderr). */
  progress: { write(text: string): unknown; isTTY?: boolean };
  secrets?: Record<string, string | undefined>;
  modelServerUrl: string;
}

/**
 * The main job: a realistic problem set, three model versions evaluated through the queue, a back-filled late
 * pattern, the per-problem table, charts and an HTML report. Idempotent: a second run finds what the first made.
 */
export async function runDemo(config: Config, opts: DemoOptions): Promise<DemoResult> {
  const canary = await startCanary(config, {
    log: opts.log,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
  });
  try {
    return await demo(canary, config, opts);
  } finally {
    await canary.close();
  }
}

async function demo(canary: Canary, config: Config, opts: DemoOptions): Promise<DemoResult> {
  const { deps } = canary;
  const slackChannel = canary.slack && config.demo.channel ? config.demo.channel : null;
  const say = (line: string) => opts.progress.write(`${line}\n`);

  say(`Canary demo: database ${canary.database.describe}, web on ${canary.url}`);
  for (const p of DEMO_PROBLEMS) {
    let problem = await findProblemByKeyOrTitle(deps.db, p.title);
    if (!problem) {
      problem = await createProblem(deps, {
        title: p.title,
        description: p.description,
        severity: p.severity,
        threshold: p.threshold,
        creatorId: 'canary-demo',
      });
    }
    if (slackChannel && canary.slack && !problem.homeTs) {
      await announceProblem(
        { deps, settings: settingsFrom(config), poster: canary.slack.poster, log: opts.log },
        problem,
        slackChannel,
      );
    }
    const drafts: NewPatternDraft[] = p.patterns.map((pattern) => ({
      problem: problem.key,
      input: pattern.input,
      expectation: pattern.expect,
      polarity: pattern.polarity,
      source: pattern.source,
      notes: pattern.notes ?? '',
    }));
    await addPatterns(deps, drafts, { creatorId: 'canary-demo' });
  }
  say(
    `${DEMO_PROBLEMS.length} problems, ${DEMO_PROBLEMS.reduce((n, p) => n + p.patterns.length, 0)} patterns`,
  );

  const registered: Model[] = [];
  let lateRevision: number | null = null;
  for (const [i, m] of DEMO_MODELS.entries()) {
    const model = await ensureModel(canary, m, opts, slackChannel);
    registered.push(model);
    if (i === 0) lateRevision = await addLatePattern(canary, opts);
    if (m.version === 'v2' && model.status !== 'production') await promoteModel(deps, model);
  }

  const models = registered.map(formatModelRef);
  const production = `${DEMO_MODEL_NAME}@v2`;
  const rows = await table(canary, registered);
  printTable(rows, models, production, say);

  const files = await writeOutputs(canary, config.demo.outDir, rows, models, production);
  let slackPosted = false;
  if (slackChannel && canary.slack) {
    await drainNotifications(canary, 60_000);
    const result = await postDigestNow({
      deps: { db: deps.db, log: opts.log, now: deps.now, charts: createChartRenderer(config.charts) },
      slack: canary.slack.poster,
      channel: slackChannel,
    });
    slackPosted = true;
    say(
      `Slack: problem cards, threaded results and a digest (${result.posted ? 'posted' : 'already posted this minute'}) in ${slackChannel}.`,
    );
  } else {
    say(
      'Ran without Slack (set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and CANARY_DEMO_CHANNEL to post there).',
    );
  }
  say(`Charts and report: ${join(config.demo.outDir, 'index.html')}`);

  const late = await lateBackfill(canary, registered, lateRevision);
  const generative = await generativeDemo(canary, {
    modelServerUrl: opts.modelServerUrl,
    outDir: config.demo.outDir,
    say,
    wait: (id, label) => waitFor(canary, id, label, opts.progress),
  });
  say(`Support bot report: ${join(config.demo.outDir, 'generative.html')}`);
  return { rows, models, production, files, slack: slackPosted, backfilled: late, generative };
}

/** Threaded results are posted by notify jobs; let them land before the digest and before shutting down. */
async function drainNotifications(canary: Canary, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const counts = await canary.queues.notify.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function ensureModel(
  canary: Canary,
  m: (typeof DEMO_MODELS)[number],
  opts: DemoOptions,
  slackChannel: string | null,
): Promise<Model> {
  const { deps } = canary;
  const ref = { name: DEMO_MODEL_NAME, version: m.version };
  let evaluationId: number;
  let model: Model;
  try {
    model = await getModelByRef(deps, ref);
    // Already registered by an earlier run: evaluate only what is missing (usually nothing).
    ({ evaluationId } = await deps.scheduler.evaluateModel({
      modelId: model.id,
      trigger: 'manual',
      onlyMissing: true,
    }));
  } catch (error) {
    if ((error as { code?: string }).code !== 'model_not_found') throw error;
    const registered = await registerModel(deps, {
      ...ref,
      endpoint: {
        adapter: 'kserve-v2',
        url: `${opts.modelServerUrl}/v2/models/${m.served}/infer`,
        batchSize: 32,
      },
      metrics: { ...m.metrics },
      registeredBy: 'canary-demo',
      ...(slackChannel ? { slack: { channel: slackChannel } } : {}),
    });
    model = registered.model;
    evaluationId = queuedEvaluationId(registered);
  }
  await waitFor(
    canary,
    evaluationId,
    formatModelRef({ name: DEMO_MODEL_NAME, version: m.version }),
    opts.progress,
  );
  return getModelByRef(deps, ref);
}

/** Files the late pattern (once) and waits for its back-fill; returns its revision id. */
async function addLatePattern(canary: Canary, opts: DemoOptions): Promise<number | null> {
  const { deps } = canary;
  const problem = await findProblemByKeyOrTitle(deps.db, LATE_PATTERN.problem);
  if (!problem) return null;
  const p = LATE_PATTERN.pattern;
  const { created, existing, addId } = await addPatterns(
    deps,
    [
      {
        problem: problem.key,
        input: p.input,
        expectation: p.expect,
        polarity: p.polarity,
        source: p.source,
        notes: p.notes ?? '',
      },
    ],
    { creatorId: 'canary-demo' },
  );
  const revision = created[0]?.revisionId ?? existing[0]?.revisionId ?? null;
  if (revision === null || created.length === 0) return revision;
  opts.progress.write(`Late pattern filed on ${problem.key}: back-filling it on every earlier model\n`);
  // addPatterns enqueued one back-fill evaluation per model for the add after its commit.
  const backfills = addId === null ? [] : await evaluationIdsOfAdd(deps.db, addId);
  for (const id of backfills) await waitFor(canary, id, 'back-fill', opts.progress);
  return revision;
}

async function waitFor(
  canary: Canary,
  evaluationId: number,
  label: string,
  progress: DemoOptions['progress'],
): Promise<void> {
  const tty = progress.isTTY === true;
  let lastShown = -1;
  for (;;) {
    const view = await getEvaluation(canary.deps, evaluationId);
    if (!view) throw new Error(`Evaluation ${evaluationId} disappeared.`);
    const share = view.total ? view.done / view.total : 1;
    const line = `  evaluating ${label}: ${view.done}/${view.total} (${Math.floor(share * 100)}%) ${view.status}`;
    if (tty) progress.write(`\r\x1b[2K${line}`);
    else if (Math.floor(share * 4) !== lastShown || view.status === 'done') {
      lastShown = Math.floor(share * 4);
      if (view.status === 'done' || share < 1) progress.write(`${line}\n`);
    }
    if (view.status === 'done') {
      if (tty) progress.write('\n');
      return;
    }
    if (view.status === 'failed')
      throw new Error(`Evaluation of ${label} failed: ${view.error ?? 'no reason'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function table(canary: Canary, models: Model[]): Promise<DemoRow[]> {
  const { deps } = canary;
  const reports = await Promise.all(models.map((m) => modelReport(deps, m)));
  const production = models.find((m) => m.version === 'v2');
  const latest = models[models.length - 1];
  const rows: DemoRow[] = [];
  // Only the sentiment problem set: the support-bot problems have their own table (generative.ts).
  const titles = new Set(DEMO_PROBLEMS.map((p) => p.title));
  for (const row of (reports[0]?.problems ?? []).filter((p) => titles.has(p.title))) {
    const cells = reports.map((r) => {
      const cell = r.problems.find((p) => p.key === row.key);
      return {
        model: formatModelRef(r.model),
        n: cell?.n ?? 0,
        passed: cell?.passed ?? 0,
        errored: cell?.errored ?? 0,
        passRate: cell?.passRate ?? null,
        ci: cell?.ci ?? null,
      };
    });
    let comparison: Comparison | null = null;
    if (production && latest && production.id !== latest.id) {
      const problem = await getProblemByKey(deps.db, row.key);
      if (problem) {
        const [a, b]: [PatternOutcome[], PatternOutcome[]] = await Promise.all([
          outcomesFor(deps.db, { modelId: production.id, problemId: problem.id }),
          outcomesFor(deps.db, { modelId: latest.id, problemId: problem.id }),
        ]);
        comparison = compareOutcomes(a, b);
      }
    }
    const latestReport = reports[reports.length - 1]?.problems.find((p) => p.key === row.key);
    rows.push({
      key: row.key,
      title: row.title,
      threshold: row.threshold,
      cells,
      verdict: comparison?.verdict ?? null,
      pValue: comparison?.pValue ?? null,
      meetsThreshold: latestReport?.meetsThreshold ?? null,
    });
  }
  return rows;
}

const VERDICT_TEXT: Record<Verdict, string> = {
  improved: 'improved',
  regressed: 'REGRESSED',
  no_clear_change: 'no clear change',
};

function printTable(rows: DemoRow[], models: string[], production: string, say: (l: string) => void): void {
  const latest = models[models.length - 1];
  say('');
  say(
    `Pass rate per problem (95% Wilson interval); verdict: ${latest} against production ${production} (exact McNemar, p < 0.05)`,
  );
  const header = ['problem', 'threshold', ...models, 'verdict', 'gate'];
  const lines = rows.map((r) => [
    `${r.key} ${r.title}`,
    r.threshold === null ? '–' : formatRate(r.threshold),
    ...r.cells.map((c) => `${formatRate(c.passRate)} ${formatInterval(c.ci)} n=${c.n}`),
    r.verdict ? `${VERDICT_TEXT[r.verdict]} (p=${r.pValue?.toFixed(3)})` : '–',
    r.meetsThreshold === null ? '–' : r.meetsThreshold ? 'meets' : 'BELOW',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  say(fmt(header));
  say(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) say(fmt(l));
  say('');
}

async function writeOutputs(
  canary: Canary,
  outDir: string,
  rows: DemoRow[],
  models: string[],
  production: string,
): Promise<string[]> {
  const { deps } = canary;
  await mkdir(outDir, { recursive: true });
  const all = await listModels(deps, { name: DEMO_MODEL_NAME });
  const headline = rows[0]?.key ?? 'P-1';
  const history = await problemHistory(deps, headline);
  const grid = await patternGrid(deps, headline);
  const inputs = new Map(
    (await listPatterns(deps, headline)).patterns.map(({ pattern }) => [
      pattern.id,
      typeof pattern.input === 'string' ? pattern.input : JSON.stringify(pattern.input),
    ]),
  );
  const specs = {
    'problems-over-models.png': problemsOverModelsChart(await problemsOverModels(deps.db)),
    'training-metrics.png': trainingMetricsChart({
      models: all.map(formatModelRef),
      metrics: Object.fromEntries(
        [...new Set(all.flatMap((m) => Object.keys(m.metrics)))].map((k) => [
          k,
          all.map((m) => m.metrics[k] ?? null),
        ]),
      ),
    }),
    'problem-across-models.png': problemAcrossModelsChart({
      problem: {
        key: history.problem.key,
        title: history.problem.title,
        threshold: history.problem.threshold,
      },
      points: history.points.map((p) => ({
        model: p.model,
        rate: p.metrics.passRate,
        ci: p.metrics.ci,
        n: p.metrics.n,
      })),
    }),
    'pattern-grid.png': patternGridChart({
      models: grid.models.map((m) => m.ref),
      patterns: grid.patterns.map((p) => ({ id: p.id, label: inputs.get(p.id) ?? '' })),
      cells: grid.cells,
    }),
  };
  const files: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const path = join(outDir, name);
    await writeFile(path, await renderPng(spec));
    files.push(path);
  }
  const html = join(outDir, 'index.html');
  await writeFile(
    html,
    demoHtml({
      rows,
      models,
      production,
      charts: Object.keys(specs),
      grids: [patternGridHtml(grid)],
      generatedAt: deps.now(),
    }),
  );
  await writeFile(join(outDir, 'results.json'), JSON.stringify({ rows, models, production }, null, 2));
  files.push(html, join(outDir, 'results.json'));
  return files;
}

async function lateBackfill(
  canary: Canary,
  models: Model[],
  revisionId: number | null,
): Promise<{ pattern: string; models: string[] }> {
  const pattern = String(LATE_PATTERN.pattern.input);
  if (revisionId === null) return { pattern, models: [] };
  const ids = new Set(await modelIdsWithResultsOn(canary.deps.db, revisionId));
  return { pattern, models: models.filter((m) => ids.has(m.id)).map(formatModelRef) };
}
