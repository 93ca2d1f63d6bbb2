import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCharts } from './charts.ts';
import { benchGenerative, GENERATIVE_FULL, GENERATIVE_QUICK } from './generative.ts';
import { benchMemory, MEMORY_FULL, MEMORY_QUICK } from './memory.ts';
import { benchObservations, OBSERVATIONS_FULL, OBSERVATIONS_QUICK } from './observations.ts';
import { benchPeer, PEER_FULL, PEER_QUICK } from './peer.ts';
import { benchQueries, QUERIES_FULL, QUERIES_QUICK } from './queries.ts';
import { benchSlack, SLACK_FULL, SLACK_QUICK } from './slack.ts';
import { collectAims } from './support/aims.ts';
import { ROOT } from './support/env.ts';
import { foldRuns } from './support/repeat.ts';
import { cpuUnitMs, ratio } from './support/stats.ts';
import { benchThroughput, THROUGHPUT_FULL, THROUGHPUT_QUICK } from './throughput.ts';
import { benchVolume, VOLUME_FULL, VOLUME_QUICK } from './volume.ts';

/**
 * `npm run bench [-- --only throughput,peer,slack,charts,queries,volume,generative,observations,memory] [--quick] [--repeat N] [--check]`: one
 * JSON report in bench/out/ and a short table. The machine is shared, so each figure sits beside a baseline
 * measured in the same run (raw endpoint ceiling, idle ack latency, primary-key lookup, a fixed CPU task),
 * and each section runs N times (3 by default, 1 with --quick): the report holds the medians, every run,
 * and the [min, max] spread of each figure. `--check` exits 1 when a median misses its aim.
 */

export const SECTIONS = [
  'throughput',
  'peer',
  'slack',
  'charts',
  'queries',
  'volume',
  'generative',
  'observations',
  'memory',
] as const;
export type Section = (typeof SECTIONS)[number];

const DB_NAME = 'canary_bench';

export async function runSection(section: Section, quick: boolean, dbName = DB_NAME): Promise<unknown> {
  switch (section) {
    case 'throughput':
      return benchThroughput({ ...(quick ? THROUGHPUT_QUICK : THROUGHPUT_FULL), dbName });
    case 'peer':
      return benchPeer({ ...(quick ? PEER_QUICK : PEER_FULL), dbName });
    case 'memory':
      return benchMemory({ ...(quick ? MEMORY_QUICK : MEMORY_FULL), dbName });
    case 'slack':
      return benchSlack({ ...(quick ? SLACK_QUICK : SLACK_FULL), dbName });
    case 'charts': {
      const unit = cpuUnitMs();
      const charts = await benchCharts(quick ? 5 : 20);
      return {
        ...charts,
        cpuUnitMs: unit,
        p50RatioToCpuUnit: ratio(charts.p50Ms, unit),
        p95RatioToCpuUnit: ratio(charts.p95Ms, unit),
      };
    }
    case 'queries':
      return benchQueries({ ...(quick ? QUERIES_QUICK : QUERIES_FULL), dbName });
    case 'volume':
      return benchVolume({ ...(quick ? VOLUME_QUICK : VOLUME_FULL), dbName });
    case 'generative':
      return benchGenerative({ ...(quick ? GENERATIVE_QUICK : GENERATIVE_FULL), dbName });
    case 'observations':
      return benchObservations({ ...(quick ? OBSERVATIONS_QUICK : OBSERVATIONS_FULL), dbName });
  }
}

function parseSections(only: string | undefined): Section[] {
  if (!only) return [...SECTIONS];
  const asked = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = asked.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new Error(`Unknown section ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}.`);
  return asked as Section[];
}

type Row = [section: string, figure: string, value: string, baseline: string, aim: string];

function fmt(x: unknown): string {
  if (x === null || x === undefined) return '-';
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : x.toFixed(2);
  if (typeof x === 'boolean') return x ? 'met' : 'MISSED';
  return String(x);
}

/** The table: a few headline figures per section, each with its same-minute ratio, then every aim. */
export function summarize(results: Record<string, unknown>, spreads: Record<string, unknown> = {}): Row[] {
  const rows: Row[] = [];
  const r = results as Record<string, Record<string, unknown> | undefined>;
  const push = (section: string, figure: string, value: unknown, baseline: string, aim = '') =>
    rows.push([section, figure, fmt(value), baseline, aim]);
  const t = r['throughput'] as Awaited<ReturnType<typeof benchThroughput>> | undefined;
  if (t && !('error' in t)) {
    for (const s of t.scenarios) {
      push(
        'throughput',
        `${s.name} patterns/s`,
        s.canary.perSec,
        `raw ${fmt(s.raw.perSec)} (x${fmt(s.ratioToRaw)}), ideal ${fmt(s.idealPerSec)} (x${fmt(s.ratioToIdeal)})`,
        `RSS ${s.canary.workerPeakMb.join('/')} MB`,
      );
      if (s.bareInsert)
        push(
          'throughput',
          `${s.name} worker CPU-s/1k`,
          s.canary.workerCpuSecPer1k,
          `bare insert ${fmt(s.bareInsert.clientCpuSecPer1k)} client CPU-s/1k (x${fmt(s.workerCpuRatioToBareInsert)}), ${fmt(s.bareInsert.perSec)} rows/s`,
          `postgres ${fmt(s.canary.cpuSeconds['postgres'])} s`,
        );
    }
  }
  const p = r['peer'] as Awaited<ReturnType<typeof benchPeer>> | undefined;
  if (p && !('error' in p)) {
    for (const run of p.runs) {
      const pf =
        'skipped' in run.promptfoo
          ? `skipped: ${run.promptfoo.skipped.slice(0, 60)}`
          : `${fmt(run.promptfoo.ms)} ms, ${run.promptfoo.peakMb} MB`;
      push(
        'peer',
        `${run.latencyMs}ms canary 1/case ms`,
        run.canaryOnePerCase.ms,
        `promptfoo ${pf}`,
        `x${fmt(run.speedupOnePerCase)} faster`,
      );
      push(
        'peer',
        `${run.latencyMs}ms canary batch${run.canaryBatched.batchSize} ms`,
        run.canaryBatched.ms,
        `promptfoo ${pf}`,
        `x${fmt(run.speedupBatched)} faster, mem x${fmt(run.memoryRatio)}`,
      );
    }
  }
  const m = r['memory'] as Awaited<ReturnType<typeof benchMemory>> | undefined;
  if (m && !('error' in m)) {
    for (const run of m.runs) {
      push(
        'memory',
        `${run.name} tree idle/peak MB`,
        `${run.idleMb}/${run.peakMb}`,
        run.command,
        run.processes.join('+'),
      );
    }
  }
  const s = r['slack'] as Awaited<ReturnType<typeof benchSlack>> | undefined;
  if (s && !('error' in s)) {
    push('slack', 'idle ack p50/p99 ms', `${fmt(s.baseline.p50Ms)}/${fmt(s.baseline.p99Ms)}`, 'baseline');
    for (const run of s.runs) {
      push(
        'slack',
        `${run.placement} load ack p50/p99 ms`,
        `${fmt(run.underLoad.p50Ms)}/${fmt(run.underLoad.p99Ms)}`,
        `p99 x${fmt(run.p99RatioToBaseline)} of idle`,
        `${run.sentDuringEvaluation}/${run.underLoad.n} during eval`,
      );
    }
  }
  const c = r['charts'] as
    | (Awaited<ReturnType<typeof benchCharts>> & { cpuUnitMs: number; p50RatioToCpuUnit: number | null })
    | undefined;
  if (c && !('error' in c))
    push(
      'charts',
      'render p50/p95 ms',
      `${fmt(c.p50Ms)}/${fmt(c.p95Ms)}`,
      `x${fmt(c.p50RatioToCpuUnit)} of cpu unit ${fmt(c.cpuUnitMs)} ms`,
    );
  const o = r['observations'] as Awaited<ReturnType<typeof benchObservations>> | undefined;
  if (o && !('error' in o)) {
    push(
      'observations',
      'POST observations/s',
      o.canary.perSec,
      `bare insert ${fmt(o.baselineBareInsert.perSec)}/s (x${fmt(o.ratioToBareInsert)})`,
    );
    push(
      'observations',
      'listing p50/p95 ms',
      `${fmt(o.listing.p50Ms)}/${fmt(o.listing.p95Ms)}`,
      `x${fmt(o.listing.p95RatioToGetById)} of GET by id p95`,
    );
    push(
      'observations',
      'triage queue p50/p95 ms',
      `${fmt(o.triageQueue.p50Ms)}/${fmt(o.triageQueue.p95Ms)}`,
      `${o.triageQueue.untriagedComplaints} 👎 untriaged; x${fmt(o.triageQueue.p95RatioToGetById)} of GET by id p95`,
    );
  }
  const q = r['queries'] as Awaited<ReturnType<typeof benchQueries>> | undefined;
  if (q && !('error' in q)) {
    push(
      'queries',
      'modelReport p50/p95 ms',
      `${fmt(q.modelReport.p50Ms)}/${fmt(q.modelReport.p95Ms)}`,
      `x${fmt(q.modelReport.p50RatioToBaseline)} of pk lookup`,
    );
    push(
      'queries',
      'problemHistory p50/p95 ms',
      `${fmt(q.problemHistory.p50Ms)}/${fmt(q.problemHistory.p95Ms)}`,
      `x${fmt(q.problemHistory.p50RatioToBaseline)} of pk lookup`,
    );
  }
  const g = r['generative'] as Awaited<ReturnType<typeof benchGenerative>> | undefined;
  if (g && !('error' in g)) {
    push(
      'generative',
      `back-fill ${g.shape.patterns} judge patterns × ${g.shape.versions} versions ms`,
      g.gradedWallMs,
      `x${fmt(g.wallRatioToBaseline)} of ungraded ${fmt(g.baselineWallMs)} ms`,
      `${g.graderCalls} grader calls for ${g.distinctGradedTexts} distinct texts`,
    );
    push(
      'generative',
      'cost candidate / graders USD',
      `${g.cost.candidateUsd}/${g.cost.graderUsd}`,
      `${g.cost.graderRequests} grader requests`,
    );
  }
  for (const [section, result] of Object.entries(r)) {
    if (result && 'error' in result) push(section, 'ERROR', String(result['error']).slice(0, 80), '');
    const aims = (
      result as { aims?: Record<string, { value: number | null; aim: string; met: boolean }> } | undefined
    )?.aims;
    const aimSpreads = (
      spreads[section] as { aims?: Record<string, { value?: [number, number] }> } | undefined
    )?.aims;
    for (const [name, a] of Object.entries(aims ?? {})) {
      const range = aimSpreads?.[name]?.value;
      const value = range ? `${fmt(a.value)} [${fmt(range[0])}–${fmt(range[1])}]` : a.value;
      push(section, `aim ${name}`, value, a.aim, a.met ? 'met' : 'MISSED');
    }
  }
  return rows;
}

function table(rows: Row[]): string {
  const head: Row = ['section', 'figure', 'value', 'baseline / ratio', 'aim / note'];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.min(70, Math.max(...all.map((row) => (row[i] ?? '').length))));
  return all
    .map((row) => row.map((cell, i) => cell.slice(0, 70).padEnd(widths[i] ?? 0)).join('  '))
    .join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      check: { type: 'boolean', default: false },
    },
  });
  const sections = parseSections(values.only);
  const quick = values.quick ?? false;
  const repeat = parseRepeat(values.repeat, quick ? 1 : 3);
  const startedAt = new Date();
  const results: Record<string, unknown> = {};
  const spreads: Record<string, unknown> = {};
  const runs: Record<string, unknown[]> = {};
  for (const section of sections) {
    const done: unknown[] = [];
    const errors: string[] = [];
    for (let i = 1; i <= repeat; i++) {
      process.stderr.write(`bench: ${section}${quick ? ' (quick)' : ''} run ${i}/${repeat}…\n`);
      const t0 = Date.now();
      try {
        done.push(await runSection(section, quick));
      } catch (err) {
        // One broken run must not cost the others' figures.
        errors.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
      }
      process.stderr.write(`bench: ${section} run ${i} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    runs[section] = done;
    if (done.length === 0) {
      results[section] = { error: errors.join('\n---\n') };
      continue;
    }
    const folded = foldRuns(done);
    results[section] = errors.length ? { ...(folded.median as object), failedRuns: errors } : folded.median;
    spreads[section] = folded.spread;
  }
  const missed = collectAims(results).filter(([, a]) => !a.met);
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick,
    repeat,
    missedAims: missed.map(([name]) => name),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    results,
    spreads,
    runs,
  };
  const outDir = resolve(ROOT, 'bench/out');
  mkdirSync(outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = resolve(outDir, `bench-${stamp}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(resolve(outDir, 'latest.json'), text);
  process.stdout.write(`${table(summarize(results, spreads))}\n\nreport: ${file}\n`);
  if (values.check && missed.length > 0) {
    process.stderr.write(
      `bench --check: ${missed.length} aim(s) missed: ${missed.map(([n]) => n).join(', ')}\n`,
    );
    process.exitCode = 1;
  }
}

function parseRepeat(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 20)
    throw new Error(`--repeat must be a whole number from 1 to 20, not ${raw}.`);
  return n;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(ROOT, 'bench/main.ts')) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
