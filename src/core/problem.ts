import type { Result } from './result.ts';

export type ProblemStatus = 'open' | 'monitoring' | 'resolved' | 'wont_fix';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Problem {
  id: number;
  key: string;
  title: string;
  description: string;
  status: ProblemStatus;
  severity: Severity;
  threshold: number | null;
  ownerId: string | null;
  creatorId: string | null;
  homeChannel: string | null;
  homeTs: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const PROBLEM_STATUSES = [
  'open',
  'monitoring',
  'resolved',
  'wont_fix',
] as const satisfies readonly ProblemStatus[];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly Severity[];
const TITLE_MAX = 200;

/**
 * A pass-rate threshold as people write it: `0.8`, `.8`, `80%` or `80`. A bare number above 1 (up to 100) is
 * read as a percent, because nobody means a pass rate of 80.
 */
export function parseThreshold(text: string): Result<number> {
  const trimmed = text.trim();
  if (trimmed === '')
    return { ok: false, error: 'The threshold is empty; write a share like 0.8 or a percent like 80%.' };
  const match = /^(\d+(?:\.\d*)?|\.\d+)\s*(%?)$/.exec(trimmed);
  if (!match) {
    return {
      ok: false,
      error: `"${trimmed}" is not a threshold; write a share like 0.8 or a percent like 80%.`,
    };
  }
  const number = Number(match[1]);
  const percent = match[2] === '%' || number > 1;
  const value = percent ? number / 100 : number;
  if (value > 1) {
    return { ok: false, error: `The threshold ${trimmed} is above 100%; a pass rate cannot exceed 100%.` };
  }
  return { ok: true, value: Math.round(value * 1e6) / 1e6 };
}

export function validateTitle(title: string): Result<string> {
  const trimmed = title.trim().replace(/\s+/g, ' ');
  if (trimmed === '')
    return { ok: false, error: 'The title is empty; say in a few words what the model gets wrong.' };
  if (trimmed.length > TITLE_MAX) {
    return { ok: false, error: `The title is ${trimmed.length} characters long; keep it to ${TITLE_MAX}.` };
  }
  return { ok: true, value: trimmed };
}

const PROBLEM_KEY = /^P-\d+$/i;

export function isProblemKey(text: string): boolean {
  return PROBLEM_KEY.test(text.trim());
}

/** `p-3` → `P-3`; null when it is not a key. */
export function normaliseProblemKey(text: string): string | null {
  const trimmed = text.trim();
  return PROBLEM_KEY.test(trimmed) ? trimmed.toUpperCase() : null;
}

export function parseSeverity(text: string): Result<Severity> {
  const value = text.trim().toLowerCase();
  const found = SEVERITIES.find((s) => s === value);
  return found
    ? { ok: true, value: found }
    : { ok: false, error: `"${text.trim()}" is not a severity; use one of ${SEVERITIES.join(', ')}.` };
}

export function parseProblemStatus(text: string): Result<ProblemStatus> {
  const value = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  const found = PROBLEM_STATUSES.find((s) => s === value);
  return found
    ? { ok: true, value: found }
    : {
        ok: false,
        error: `"${text.trim()}" is not a problem status; use one of ${PROBLEM_STATUSES.join(', ')}.`,
      };
}
