import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Per-channel pacing that never holds a queue worker slot while it waits. Inside `deferrable(jobId, …)` (a notify
 * job run by a BullMQ worker), a call to a channel that is not free right now does not sleep: it reserves the
 * channel's next free slot for that job and throws ChannelBusy; the processor moves the job to `delayed` until
 * then, so the slot goes to a job for another channel. Reservations are handed out in arrival order, so a channel's
 * messages keep their order. Outside such a job (a Slack listener, the CLI) the poster waits in line as before.
 */
export class ChannelBusy extends Error {
  constructor(
    readonly channel: string,
    /** Epoch ms at which this job's reserved slot comes up. */
    readonly until: number,
  ) {
    super(`channel ${channel} is busy until ${new Date(until).toISOString()}`);
    this.name = 'ChannelBusy';
  }
}

const context = new AsyncLocalStorage<{ jobId: string }>();

export function deferrable<T>(jobId: string, task: () => Promise<T>): Promise<T> {
  return context.run({ jobId }, task);
}

export function currentDeferrableJob(): string | undefined {
  return context.getStore()?.jobId;
}

/** A reservation whose job has not come back this long after its slot (it failed, or moved on) is dropped. */
const STALE_AFTER_MS = 10_000;
/** Timers and queue promotion may bring a job back a little early; that is its slot all the same. */
const EARLY_MS = 5;

export interface Reservations {
  /**
   * For a deferrable job: null when it may send now (its reservation, if any, is used up), else the epoch ms it
   * should come back at (its reservation). `nextAt` is when the lane allows the next send; `busy` whether a
   * waiting (non-deferrable) send is in the lane.
   */
  claim(
    jobId: string,
    at: number,
    lane: { nextAt: number; busy: boolean; intervalMs: number },
  ): number | null;
  size(): number;
}

export function createReservations(): Reservations {
  const byJob = new Map<string, number>();
  let lastSlot = 0;
  const dropStale = (now: number) => {
    for (const [job, slot] of byJob) if (slot + STALE_AFTER_MS < now) byJob.delete(job);
  };
  return {
    size: () => byJob.size,
    claim(jobId, now, lane) {
      dropStale(now);
      const mine = byJob.get(jobId);
      const laneFree = !lane.busy && now + EARLY_MS >= lane.nextAt;
      if (mine !== undefined) {
        if (now + EARLY_MS >= mine && laneFree) {
          byJob.delete(jobId);
          return null;
        }
        // Its slot has not come, or a waiting send took the lane: come back when the lane frees.
        const again = Math.max(mine, lane.nextAt, now + 1);
        byJob.set(jobId, again);
        return again;
      }
      // Jobs that reserved earlier go first, whoever asks now.
      if (laneFree && byJob.size === 0) return null;
      const slot = Math.max(now, lane.nextAt, lastSlot + lane.intervalMs);
      lastSlot = slot;
      byJob.set(jobId, slot);
      return slot;
    },
  };
}
