import { readdirSync, readFileSync } from 'node:fs';

/**
 * Linux /proc readings: peak memory (VmHWM, the kernel's own high-water mark of resident memory) and CPU
 * time per process. Reading the kernel's counters needs no sampling for peaks and costs the process nothing.
 */

const TICKS_PER_SECOND = 100;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export interface MemoryReading {
  /** Peak resident set size so far, MB. */
  hwmMb: number;
  rssMb: number;
}

export function memoryOf(pid: number): MemoryReading | null {
  const status = read(`/proc/${pid}/status`);
  if (!status) return null;
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { hwmMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** User + system CPU seconds the process has used. */
export function cpuSecondsOf(pid: number): number | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}

export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    const text = read(`/proc/${pid}/task/${task}/children`);
    if (text) out.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return out;
}

export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i] as number));
  return all;
}

/** Processes whose command name is exactly `name` (e.g. postgres, redis-server). */
export function pidsNamed(name: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (read(`/proc/${entry}/comm`)?.trim() === name) out.push(Number(entry));
  }
  return out;
}

export type CpuGroups = Record<string, () => number[]>;

/**
 * CPU seconds per named group of processes over an interval. On a two-core machine this answers "which
 * step dominates" without instrumenting the code: workers, model server, database, Redis, this process.
 */
export function cpuMeter(groups: CpuGroups): { stop(): Record<string, number> } {
  const sum = (pids: number[]) => pids.reduce((acc, pid) => acc + (cpuSecondsOf(pid) ?? 0), 0);
  const startPids = Object.fromEntries(Object.entries(groups).map(([k, f]) => [k, f()]));
  const start = Object.fromEntries(Object.entries(startPids).map(([k, pids]) => [k, sum(pids)]));
  return {
    stop() {
      const out: Record<string, number> = {};
      for (const [k, f] of Object.entries(groups)) {
        // Processes that came and went in between are missed; the groups measured here are long-lived.
        const pids = [...new Set([...(startPids[k] ?? []), ...f()])];
        out[k] = Math.round((sum(pids) - (start[k] ?? 0)) * 100) / 100;
      }
      return out;
    },
  };
}

/** Samples a process tree's resident memory; the peak of the sum, and each process' own peak. */
export function treeMemorySampler(
  rootPid: number,
  everyMs = 100,
): { stop(): { peakSumMb: number; maxHwmMb: number } } {
  let peakSum = 0;
  const hwm = new Map<number, number>();
  const sample = () => {
    let sum = 0;
    for (const pid of processTree(rootPid)) {
      const m = memoryOf(pid);
      if (!m) continue;
      sum += m.rssMb;
      hwm.set(pid, Math.max(hwm.get(pid) ?? 0, m.hwmMb));
    }
    peakSum = Math.max(peakSum, sum);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakSumMb: Math.round(peakSum), maxHwmMb: Math.round(Math.max(0, ...hwm.values())) };
    },
  };
}
