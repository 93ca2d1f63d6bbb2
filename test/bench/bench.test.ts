import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { benchCharts } from '../../bench/charts.ts';
import { summarize } from '../../bench/main.ts';
import { benchPeer } from '../../bench/peer.ts';
import { benchQueries } from '../../bench/queries.ts';
import { benchSlack } from '../../bench/slack.ts';
import { percentile, ratio } from '../../bench/support/stats.ts';
import { benchThroughput } from '../../bench/throughput.ts';

/** Each bench section on a tiny configuration, so `npm run bench` cannot rot between the runs that matter. */

const dbName = () => `canary_bench_t_${randomBytes(5).toString('hex')}`;
const MINUTE = 60_000;

describe('bench helpers', () => {
  it.each([
    [[1, 2, 3, 4], 0.5, 2],
    [[4, 3, 2, 1], 0.99, 4],
    [[7], 0.95, 7],
  ])('percentile(%j, %d) = %d', (samples, q, expected) => {
    expect(percentile(samples, q)).toBe(expected);
  });

  it('ratio is null for a missing or zero baseline', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(3, null)).toBeNull();
  });
});

describe('bench sections (tiny)', () => {
  it('throughput: engine, raw ceiling, batching and two workers', { timeout: 3 * MINUTE }, async () => {
    const r = await benchThroughput({
      patterns: 120,
      latenciesMs: [0],
      concurrency: 8,
      batchSizes: [32],
      workerComparisonLatencyMs: 0,
      dbName: dbName(),
    });
    expect(r.scenarios.map((s) => s.name)).toEqual(['0ms-batch1-1w', '0ms-batch32-1w', '0ms-batch1-2w']);
    for (const s of r.scenarios) {
      expect(s.canary.status).toBe('done');
      expect(s.canary.errored).toBe(0);
      expect(s.canary.perSec).toBeGreaterThan(0);
      expect(s.raw.errors).toBe(0);
      expect(s.ratioToRaw).toBeGreaterThan(0);
      expect(s.canary.workerPeakMb.every((mb) => mb > 0)).toBe(true);
      expect(s.canary.timeline.batches).toBeGreaterThan(0);
      expect(s.canary.workerCpuSecPer1k).toBeGreaterThan(0);
    }
    expect(r.workerScaling?.speedup).toBeGreaterThan(0);
    expect(Object.keys(r.aims)).toEqual([
      'noBatching20msVsRaw',
      'batchedPerWorkerPerSec',
      'batchedWorkerCpuSecPer1k',
      'peakWorkerRssMb',
      'twoWorkerSpeedup',
    ]);
  });

  it('peer: Canary on the same cases; promptfoo runs when installed, else the run says why not', {
    timeout: 3 * MINUTE,
  }, async () => {
    const r = await benchPeer({
      latenciesMs: [0],
      cases: 40,
      concurrency: 8,
      batchSize: 16,
      install: false,
      dbName: dbName(),
    });
    expect(r.cases).toBe(40);
    const [run] = r.runs;
    if (!run) throw new Error('no peer run');
    const canary = run.canaryOnePerCase;
    expect(canary.passed + canary.failed).toBe(40);
    // Same model, same cases: batching must not change a single verdict.
    expect(run.canaryBatched.passed).toBe(canary.passed);
    if ('skipped' in run.promptfoo) {
      expect(r.install.ok).toBe(false);
      expect(run.promptfoo.skipped).toMatch(/promptfoo/);
    } else {
      expect(run.promptfoo.passed).toBe(canary.passed);
      expect(run.promptfoo.failed).toBe(canary.failed);
      expect(run.speedupOnePerCase).toBeGreaterThan(0);
    }
  });

  it('slack: acks while an evaluation runs, in a worker process and in-process', {
    timeout: 3 * MINUTE,
  }, async () => {
    const r = await benchSlack({
      commands: 15,
      baselineCommands: 10,
      patterns: 300,
      latencyMs: 5,
      placements: ['process', 'in-process'],
      command: { name: '/problem', text: 'help' },
      dbName: dbName(),
    });
    expect(r.baseline.n).toBe(10);
    expect(r.baseline.non200).toBe(0);
    expect(r.runs.map((run) => run.placement)).toEqual(['process', 'in-process']);
    for (const run of r.runs) {
      expect(run.underLoad.n).toBe(15);
      expect(run.underLoad.non200).toBe(0);
      expect(run.sentDuringEvaluation).toBeGreaterThan(0);
    }
  });

  it('charts: p50 and p95 per kind', { timeout: 2 * MINUTE }, async () => {
    const r = await benchCharts(2);
    expect(r.p50Ms).toBeGreaterThan(0);
    expect(r.p95Ms).toBeGreaterThanOrEqual(r.p50Ms);
  });

  it('queries: bulk load, report and history timings with a plan', { timeout: 2 * MINUTE }, async () => {
    const r = await benchQueries({
      models: 3,
      problems: 5,
      patternsPerProblem: 3,
      repetitions: 2,
      dbName: dbName(),
    });
    expect(r.shape.results).toBe(45);
    expect(r.modelReport.n).toBe(2);
    expect(r.problemHistory.p50Ms).toBeGreaterThan(0);
    expect(r.modelReport.slowestStatement.plan.length).toBeGreaterThan(0);
    const rows = summarize({ queries: r });
    expect(rows.some(([section, figure]) => section === 'queries' && figure.startsWith('modelReport'))).toBe(
      true,
    );
  });
});
