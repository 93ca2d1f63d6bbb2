import type { Verdict } from './compare.ts';
import { CanaryError } from './errors.ts';
import { formatRate } from './metrics.ts';
import { compareSatisfaction, type RatingCounts, satisfactionLine } from './satisfaction.ts';
import { truncate } from './text.ts';
import { meetsThreshold } from './threshold.ts';

/**
 * What the daily digest says, as plain data: a headline and titled sections of lines. The Slack layer turns it
 * into blocks (and escapes it: lines carry user text such as flagged pattern text verbatim).
 */

interface DigestRate {
  model: string;
  passRate: number | null;
}

export interface DigestLatest {
  problemKey: string;
  title: string;
  threshold: number | null;
  candidate: DigestRate | null;
  production: DigestRate | null;
  /** The candidate against production, when both were evaluated. */
  verdict: Verdict | null;
  /** Whether the patterns can tell (evidence.ts); only "too_few" is listed. */
  evidence?: { status: string; sentence: string };
}

export interface DigestInput {
  since: Date;
  now: Date;
  newProblems: { key: string; title: string }[];
  flaggedPatterns: { problemKey: string; patternId: number | string; text: string }[];
  latest: DigestLatest[];
  brokenSignoffs: { problemKey: string; model: string; signedRate: number | null; nowRate: number | null }[];
  pendingSignoffs: { problemKey: string }[];
  /** Users' ratings per model name: the newest rated version against production or the version before. */
  users?: UsersDigestEntry[];
}

export interface UsersDigestEntry {
  name: string;
  candidate: { label: string; counts: RatingCounts };
  baseline?: { label: string; counts: RatingCounts };
}

interface DigestSection {
  title: string;
  lines: string[];
}

export interface Digest {
  /** Nothing needs anyone's attention: no news, no regression, nothing below its threshold. */
  quiet: boolean;
  headline: string;
  sections: DigestSection[];
}

/** Longest section before the rest is summarised, so a bad day still fits in one Slack message. */
export const DIGEST_MAX_LINES = 15;
const PATTERN_TEXT_MAX = 120;

export function buildDigest(input: DigestInput): Digest {
  if (input.since.getTime() > input.now.getTime()) {
    throw new CanaryError(
      'digest_window_invalid',
      'The digest window starts after it ends (since is later than now).',
    );
  }
  const titles = new Map<string, string>();
  for (const p of input.latest) titles.set(p.problemKey, p.title);
  for (const p of input.newProblems) titles.set(p.key, p.title);
  const name = (key: string) => {
    const title = titles.get(key);
    return title && title !== key ? `${key} — ${title}` : key;
  };

  const regressions = input.latest.filter((p) => p.verdict === 'regressed');
  const improved = input.latest.filter((p) => p.verdict === 'improved');
  const below = input.latest.flatMap((p) => {
    const rated = belowThreshold(p);
    return rated === null ? [] : [{ problem: p, rated }];
  });

  const sections: DigestSection[] = [
    section(
      'Regressions',
      regressions.map((p) => `${name(p.problemKey)}: ${describeAgainstProduction(p)}`),
    ),
    section(
      'Below threshold',
      below.map(
        ({ problem, rated }) =>
          `${name(problem.problemKey)}: ${rated.role} ${rated.model} at ${formatRate(rated.passRate)}, below its ${formatShare(problem.threshold!)} threshold`,
      ),
    ),
    section(
      'Broken sign-offs',
      input.brokenSignoffs.map(
        (s) =>
          `${name(s.problemKey)}: signed off on ${s.model} at ${formatRate(s.signedRate)}, now ${formatRate(s.nowRate)}`,
      ),
    ),
    section(
      'New problems',
      input.newProblems.map((p) => name(p.key)),
    ),
    section(
      'Flagged patterns',
      input.flaggedPatterns.map(
        (f) => `${f.problemKey} #${f.patternId}: "${truncate(oneLine(f.text), PATTERN_TEXT_MAX)}"`,
      ),
    ),
    section(
      'Improved',
      improved.map((p) => `${name(p.problemKey)}: ${describeAgainstProduction(p)}`),
    ),
    section(
      'Too few patterns to tell',
      input.latest
        .filter((p) => p.evidence?.status === 'too_few')
        .map((p) => `${name(p.problemKey)}: ${p.evidence?.sentence}`),
    ),
    section(
      'What users think',
      (input.users ?? []).map((u) => `${u.name} — ${satisfactionLine(u.candidate, u.baseline)}`),
    ),
    section(
      'Awaiting sign-off',
      input.pendingSignoffs.map((s) => name(s.problemKey)),
    ),
  ].filter((s): s is DigestSection => s !== null);

  const news = [
    count(regressions.length, 'regression', 'regressions'),
    count(below.length, 'problem below threshold', 'problems below threshold'),
    count(input.brokenSignoffs.length, 'broken sign-off', 'broken sign-offs'),
    count(input.newProblems.length, 'new problem', 'new problems'),
    count(input.flaggedPatterns.length, 'flagged pattern', 'flagged patterns'),
    // Users liking a version less is news; steady ratings alone leave a quiet day quiet.
    count(
      (input.users ?? []).filter(
        (u) => u.baseline && compareSatisfaction(u.candidate.counts, u.baseline.counts).droppedSignificantly,
      ).length,
      'significant drop in user satisfaction',
      'significant drops in user satisfaction',
    ),
  ].filter((s): s is string => s !== null);

  const since = formatInstant(input.since);
  if (news.length === 0) {
    const pending = count(input.pendingSignoffs.length, 'problem awaits sign-off', 'problems await sign-off');
    return {
      quiet: true,
      headline: `Quiet day: no new problems, flags or regressions since ${since}.${pending ? ` ${capitalise(pending)}.` : ''}`,
      sections: [],
    };
  }
  return {
    quiet: false,
    headline: `Since ${since}: ${joinList(news)}.`,
    sections,
  };
}

function belowThreshold(
  p: DigestLatest,
): { role: 'candidate' | 'production'; model: string; passRate: number } | null {
  if (p.threshold === null) return null;
  // The candidate is what is about to ship; production only matters when there is no candidate yet.
  const subject = p.candidate ?? p.production;
  if (subject === null || subject.passRate === null || meetsThreshold(subject.passRate, p.threshold))
    return null;
  return { role: p.candidate ? 'candidate' : 'production', model: subject.model, passRate: subject.passRate };
}

function describeAgainstProduction(p: DigestLatest): string {
  const candidate = p.candidate ? `${p.candidate.model} ${formatRate(p.candidate.passRate)}` : 'candidate –';
  const production = p.production
    ? `production ${p.production.model} ${formatRate(p.production.passRate)}`
    : 'production –';
  return `${candidate} vs ${production}`;
}

function section(title: string, lines: string[]): DigestSection | null {
  if (lines.length === 0) return null;
  if (lines.length <= DIGEST_MAX_LINES) return { title, lines };
  const shown = lines.slice(0, DIGEST_MAX_LINES - 1);
  return { title, lines: [...shown, `… and ${lines.length - shown.length} more`] };
}

function count(n: number, one: string, many: string): string | null {
  if (n === 0) return null;
  return `${n} ${n === 1 ? one : many}`;
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** "80%", or "80.5%" when whole percents would misstate the threshold. */
function formatShare(share: number): string {
  const percent = Math.round(share * 1000) / 10;
  return `${percent}%`;
}

/** UTC, minute precision: "2026-11-25 09:00 UTC". Deterministic, so the digest is testable without a clock. */
function formatInstant(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
