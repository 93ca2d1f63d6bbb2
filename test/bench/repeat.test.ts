import { describe, expect, it } from 'vitest';
import { aim, collectAims, meets } from '../../bench/support/aims.ts';
import { foldRuns, median } from '../../bench/support/repeat.ts';

describe('bench: folding repeated runs', () => {
  it.each([
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])('median(%j) = %d', (xs, m) => {
    expect(median(xs)).toBe(m);
  });

  it('every number becomes its median and the spread holds [min, max] of what moved', () => {
    const runs = [
      { perSec: 900, cfg: { n: 10 }, scenarios: [{ ms: 30 }, { ms: 7 }], name: 'a' },
      { perSec: 1100, cfg: { n: 10 }, scenarios: [{ ms: 10 }, { ms: 7 }], name: 'a' },
      { perSec: 1000, cfg: { n: 10 }, scenarios: [{ ms: 20 }, { ms: 7 }], name: 'a' },
    ];
    const folded = foldRuns(runs);
    expect(folded.runs).toBe(3);
    expect(folded.median).toEqual({
      perSec: 1000,
      cfg: { n: 10 },
      scenarios: [{ ms: 20 }, { ms: 7 }],
      name: 'a',
    });
    expect(folded.spread).toEqual({ perSec: [900, 1100], scenarios: [{ ms: [10, 30] }, null] });
  });

  it('an aim with its bar is judged again on the median', () => {
    // One run clears the bar and the median (1.7) misses it: the report must say MISSED.
    const runs = [1.2, 1.7, 1.85].map((v) => ({ aims: { speedup: aim(v, '>=', 1.8, 'x') } }));
    const folded = foldRuns(runs).median as { aims: { speedup: { value: number; met: boolean } } };
    expect(folded.aims.speedup.value).toBe(1.7);
    expect(folded.aims.speedup.met).toBe(false);
  });

  it('an aim without its bar counts as met when most runs met it', () => {
    const runs = [true, false, true].map((met, i) => ({ aims: { old: { value: i, aim: 'x', met } } }));
    const folded = foldRuns(runs).median as { aims: { old: { met: boolean } } };
    expect(folded.aims.old.met).toBe(true);
  });

  it('a missing figure in any run makes the median missing, so the aim misses', () => {
    const runs = [aim(2, '>=', 1, ''), aim(null, '>=', 1, ''), aim(3, '>=', 1, '')].map((a) => ({
      aims: { a },
    }));
    const folded = foldRuns(runs).median as { aims: { a: { value: number | null; met: boolean } } };
    expect(folded.aims.a).toMatchObject({ value: null, met: false });
  });

  it.each([
    [5, '>=', 5, true],
    [4.99, '>=', 5, false],
    [5, '<', 5, false],
    [null, '<', 5, false],
    [Number.NaN, '<=', 5, false],
  ] as const)('meets(%s %s %s) = %s', (v, op, t, ok) => {
    expect(meets(v, op, t)).toBe(ok);
  });

  it('collectAims lists every aim of every section by name', () => {
    const names = collectAims({
      a: { aims: { x: aim(1, '<', 2, ''), y: aim(3, '<', 2, '') } },
      b: { error: 'boom' },
    }).map(([n, a]) => `${n}:${a.met}`);
    expect(names).toEqual(['a.x:true', 'a.y:false']);
  });
});
