import { type Aim, isAim, meets } from './aims.ts';

/**
 * Folds N runs of one section (the same JSON shape each time) into one report: every number becomes
 * the median of the runs, and a parallel `spread` tree holds [min, max] for every number that moved.
 * Aims are judged again on the median when they carry their bar (op + target); older aims without one
 * count as met when most runs met them.
 */
export interface Folded {
  runs: number;
  median: unknown;
  spread: unknown;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function roundLike(x: number, samples: readonly number[]): number {
  // A median of integers stays an integer where the runs were integers (counts, bytes).
  if (samples.every(Number.isInteger) && Number.isInteger(x)) return x;
  return Math.round(x * 1000) / 1000;
}

function foldAim(runs: readonly Aim[]): Aim {
  const first = runs[0] as Aim;
  const values = runs.map((a) => a.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const value = values.length === runs.length ? roundLike(median(values), values) : null;
  if (first.op !== undefined && first.target !== undefined) {
    return { ...first, value, met: meets(value, first.op, first.target) };
  }
  const metCount = runs.filter((a) => a.met).length;
  return { ...first, value, met: metCount * 2 > runs.length };
}

function fold(values: readonly unknown[]): { median: unknown; spread: unknown } {
  const first = values[0];
  if (typeof first === 'number') {
    const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (nums.length !== values.length) return { median: first, spread: undefined };
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    return { median: roundLike(median(nums), nums), spread: min === max ? undefined : [min, max] };
  }
  if (isAim(first) && values.every(isAim)) {
    const folded = foldAim(values as Aim[]);
    const { spread } = fold(values.map((a) => (a as Aim).value));
    return { median: folded, spread: spread === undefined ? undefined : { value: spread } };
  }
  if (Array.isArray(first)) {
    const length = Math.min(...values.map((v) => (Array.isArray(v) ? v.length : 0)));
    const medians: unknown[] = [];
    const spreads: unknown[] = [];
    let anySpread = false;
    for (let i = 0; i < length; i++) {
      const r = fold(values.map((v) => (v as unknown[])[i]));
      medians.push(r.median);
      spreads.push(r.spread ?? null);
      if (r.spread !== undefined) anySpread = true;
    }
    return { median: medians, spread: anySpread ? spreads : undefined };
  }
  if (typeof first === 'object' && first !== null) {
    const medianObj: Record<string, unknown> = {};
    const spreadObj: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      const r = fold(values.map((v) => (v as Record<string, unknown> | null)?.[key]));
      medianObj[key] = r.median;
      if (r.spread !== undefined) spreadObj[key] = r.spread;
    }
    return { median: medianObj, spread: Object.keys(spreadObj).length ? spreadObj : undefined };
  }
  return { median: first, spread: undefined };
}

export function foldRuns(runs: readonly unknown[]): Folded {
  if (runs.length === 0) throw new Error('foldRuns needs at least one run');
  const { median: m, spread } = fold(runs);
  return { runs: runs.length, median: m, spread: spread ?? {} };
}
