import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCharts } from './charts.ts';
import { benchMemory, MEMORY_FULL, MEMORY_QUICK } from './memory.ts';
import { benchPeer, PEER_FULL, PEER_QUICK } from './peer.ts';
import { benchQueries, QUERIES_FULL, QUERIES_QUICK } from './queries.ts';
import { benchSlack, SLACK_FULL, SLACK_QUICK } from './slack.ts';
import { ROOT } from './support/env.ts';
import { cpuUnitMs, ratio } from './support/stats.ts';
import { benchThroughput, THROUGHPUT_FULL, THROUGHPUT_QUICK } from './throughput.ts';

/**
 * `npm run bench [-- --only throughput,peer,memory,slack,charts,queries] [--quick]`: one JSON report in bench/out/
 * and a short table. The machine is shared, so each figure sits beside a baseline measured in the same
 * minute (raw endpoint ceiling, idle ack latency, primary-key lookup, a fixed CPU task).
 */

export const SECTIONS = ['throughput', 'peer', 'memory', 'slack', 'charts', 'queries'] as const;
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
export function summarize(results: Record<string, unknown>): Row[] {
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
  for (const [section, result] of Object.entries(r)) {
    if (result && 'error' in result) push(section, 'ERROR', String(result['error']).slice(0, 80), '');
    const aims = (
      result as { aims?: Record<string, { value: number | null; aim: string; met: boolean }> } | undefined
    )?.aims;
    for (const [name, a] of Object.entries(aims ?? {}))
      push(section, `aim ${name}`, a.value, a.aim, a.met ? 'met' : 'MISSED');
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
    options: { only: { type: 'string' }, quick: { type: 'boolean', default: false } },
  });
  const sections = parseSections(values.only);
  const quick = values.quick ?? false;
  const startedAt = new Date();
  const results: Record<string, unknown> = {};
  for (const section of sections) {
    process.stderr.write(`bench: ${section}${quick ? ' (quick)' : ''}…\n`);
    const t0 = Date.now();
    try {
      results[section] = await runSection(section, quick);
    } catch (err) {
      // One broken section must not cost the others' figures.
      results[section] = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    process.stderr.write(`bench: ${section} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    results,
  };
  const outDir = resolve(ROOT, 'bench/out');
  mkdirSync(outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = resolve(outDir, `bench-${stamp}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(resolve(outDir, 'latest.json'), text);
  process.stdout.write(`${table(summarize(results))}\n\nreport: ${file}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(ROOT, 'bench/main.ts')) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
