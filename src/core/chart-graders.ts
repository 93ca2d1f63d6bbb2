import { truncate } from './text.ts';

/**
 * Pass rates decided by different graders (judge@1 on one model, judge@2 on the next) are not comparable, so a
 * chart must not draw a line between them. These helpers find where a series' graders change and say so in a
 * note; charts.ts turns them into separate line segments and a subtitle.
 */

/** What a point without graded checks is called when it sits beside graded ones. */
export const NO_GRADER = 'no grader';
const NOTE_MAX = 160;

export interface GraderSegment {
  /** name@version of the grader(s) behind every point of the segment (several joined by " + "). */
  gradedBy: string;
  /** Indexes into the series of the measured points in this segment. */
  indexes: number[];
}

/**
 * Consecutive measured points decided by the same graders. Unmeasured points (null rate) belong to no segment
 * and do not break one. A series with no graders at all, or the same throughout, is one segment.
 */
export function graderSegments(
  rates: readonly (number | null)[],
  graders: readonly (string | null)[] | undefined,
): GraderSegment[] {
  const segments: GraderSegment[] = [];
  for (const [i, rate] of rates.entries()) {
    if (rate === null || !Number.isFinite(rate)) continue;
    const by = graders?.[i] ?? NO_GRADER;
    const last = segments[segments.length - 1];
    if (last && last.gradedBy === by) last.indexes.push(i);
    else segments.push({ gradedBy: by, indexes: [i] });
  }
  return segments;
}

/** True when the series changes graders somewhere: its numbers on either side of a change are not comparable. */
export function breaksAtGraders(segments: readonly GraderSegment[]): boolean {
  return segments.length > 1;
}

/**
 * The chart's note: "Not comparable across a break (graded by judge@1 vs judge@2): P-3" — one clause per pair
 * of graders, naming the series that change, shortened to fit a subtitle. Null when nothing breaks.
 */
export function graderBreakNote(
  series: readonly { name: string; segments: GraderSegment[] }[],
): string | null {
  const byChange = new Map<string, string[]>();
  for (const s of series) {
    for (let k = 1; k < s.segments.length; k++) {
      const change = `${s.segments[k - 1]?.gradedBy} vs ${s.segments[k]?.gradedBy}`;
      const names = byChange.get(change) ?? [];
      if (!names.includes(s.name)) names.push(s.name);
      byChange.set(change, names);
    }
  }
  if (byChange.size === 0) return null;
  const clauses = [...byChange].map(([change, names]) => `graded by ${change}: ${names.join(', ')}`);
  return truncate(`Not comparable across a break (${clauses.join('; ')})`, NOTE_MAX);
}

/** Distinct graders among the measured points of one problem across models: more than one means a note. */
export function distinctGraders(
  points: readonly { rate: number | null; gradedBy?: string | null }[],
): string[] {
  const seen: string[] = [];
  for (const p of points) {
    if (p.rate === null || !Number.isFinite(p.rate)) continue;
    const by = p.gradedBy ?? NO_GRADER;
    if (!seen.includes(by)) seen.push(by);
  }
  return seen;
}
