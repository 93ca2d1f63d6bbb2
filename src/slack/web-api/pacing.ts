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

const context = new AsyncLocalStorage<{ jobId: string; order: number }>();

/** `order`: when the job was queued (BullMQ's job.timestamp), so turns follow queue order, not arrival order. */
export function deferrable<T>(jobId: string, order: number, task: () => Promise<T>): Promise<T> {
  return context.run({ jobId, order }, task);
}

export function currentDeferrableJob(): { jobId: string; order: number } | undefined {
  return context.getStore();
}

/** A reservation whose job has not come back this long after its turn (it failed, or moved on) is dropped. */
const STALE_AFTER_MS = 10_000;
/** Timers and queue promotion may bring a job back a little early; that is its turn all the same. */
const EARLY_MS = 5;

export interface Reservations {
  /**
   * For a deferrable job: null when it may send now (its reservation, if any, is used up), else the epoch ms it
   * should come back at. Jobs waiting for the channel line up by `order`; `nextAt` is when the lane allows the next
   * send, `busy` whether a waiting (non-deferrable) send is in the lane.
   */
  claim(
    job: { jobId: string; order: number },
    now: number,
    lane: { nextAt: number; busy: boolean; intervalMs: number },
  ): number | null;
  size(): number;
}

export function createReservations(): Reservations {
  const line: { jobId: string; order: number; until: number }[] = [];
  return {
    size: () => line.length,
    claim(job, now, lane) {
      for (let i = line.length - 1; i >= 0; i--)
        if ((line[i] as { until: number }).until + STALE_AFTER_MS < now) line.splice(i, 1);
      const laneFree = !lane.busy && now + EARLY_MS >= lane.nextAt;
      let at = line.findIndex((r) => r.jobId === job.jobId);
      if (at < 0) {
        if (laneFree && line.length === 0) return null;
        // Earlier-queued jobs go first, whoever asks first.
        at = line.findIndex((r) => r.order > job.order || (r.order === job.order && r.jobId > job.jobId));
        if (at < 0) at = line.length;
        line.splice(at, 0, { ...job, until: 0 });
      }
      if (at === 0 && laneFree) {
        line.shift();
        return null;
      }
      const until = Math.max(now + 1, lane.nextAt) + at * lane.intervalMs;
      (line[at] as { until: number }).until = until;
      return until;
    },
  };
}
