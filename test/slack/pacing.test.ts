import { describe, expect, it } from 'vitest';
import { createReservations } from '../../src/slack/web-api/pacing.ts';

const lane = (nextAt: number, busy = false) => ({ nextAt, busy, intervalMs: 1_000 });

describe('channel turns', () => {
  it('an idle channel lets a job send at once; a busy one gives each job a later turn, in queue order', () => {
    const r = createReservations();
    expect(r.claim({ jobId: 'a', order: 1 }, 0, lane(0))).toBeNull();
    // The lane just sent: the next two jobs are told when to come back, one interval apart.
    expect(r.claim({ jobId: 'c', order: 3 }, 10, lane(1_000))).toBe(1_000);
    // b was queued before c, so it goes first even though it asked second, and c moves back.
    expect(r.claim({ jobId: 'b', order: 2 }, 20, lane(1_000))).toBe(1_000);
    expect(r.claim({ jobId: 'c', order: 3 }, 1_000, lane(1_000))).toBe(2_001);
    expect(r.claim({ jobId: 'b', order: 2 }, 1_000, lane(1_000))).toBeNull();
    expect(r.claim({ jobId: 'c', order: 3 }, 2_000, lane(2_000))).toBeNull();
    expect(r.size()).toBe(0);
  });

  it('a newcomer never jumps a job already waiting, and a waiting send in the lane comes first', () => {
    const r = createReservations();
    expect(r.claim({ jobId: 'a', order: 1 }, 0, lane(500))).toBe(500);
    // The lane is free at 600, but a is waiting: d (queued later) waits behind it.
    expect(r.claim({ jobId: 'd', order: 4 }, 600, lane(0))).toBe(1_601);
    // A non-deferrable send holds the lane: a is told to come back, not let in.
    expect(r.claim({ jobId: 'a', order: 1 }, 600, lane(0, true))).toBe(601);
    expect(r.claim({ jobId: 'a', order: 1 }, 700, lane(0))).toBeNull();
  });

  it('drops the turn of a job that never came back, so the channel does not stall behind it', () => {
    const r = createReservations();
    r.claim({ jobId: 'gone', order: 1 }, 0, lane(500));
    expect(r.claim({ jobId: 'next', order: 2 }, 100, lane(500))).toBe(1_500);
    // Long after gone's turn passed, next is at the head and the lane is free.
    expect(r.claim({ jobId: 'next', order: 2 }, 20_000, lane(0))).toBeNull();
  });
});
