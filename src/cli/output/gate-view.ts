import type { Verdict } from '../../core/compare.ts';
import type { GateProblemStatus } from '../../core/gate.ts';
import { formatModelRef } from '../../core/model.ts';
import type { OutcomeStatus } from '../../core/outcome.ts';

/** One pattern's result in a gate, as the reports print it. */
export interface GatePatternView {
  patternId: number;
  input: unknown;
  expectation: unknown;
  status: OutcomeStatus | 'missing';
  prediction: unknown;
  reason: string;
  flaky?: boolean;
  /** Endpoint seconds spent on it (JUnit `time`); absent when no request was made. */
  seconds?: number;
  /** When its latest result was recorded, ISO 8601. */
  evaluatedAt?: string;
}

export interface GateProblemView {
  key: string;
  title: string;
  threshold: number | null;
  passRate: number | null;
  ci: [number, number] | null;
  n: number;
  passed: number;
  failed: number;
  errored: number;
  status: GateProblemStatus;
  reasons: string[];
  warnings: string[];
  /** What the patterns can show, e.g. "Not enough patterns to tell: …" (null from an older server). */
  evidence?: string | null;
  vsBaseline: { verdict: Verdict; fixed: number; broken: number; pValue: number } | null;
  patterns: GatePatternView[];
}

/** Everything the JUnit, Markdown, JSON and text outputs of `canary gate` need, in plain JSON. */
export interface GateView {
  model: string;
  baseline: string | null;
  strict: boolean;
  pass: boolean;
  problems: GateProblemView[];
  reasons: string[];
  warnings: string[];
}

/** The shape a gate report arrives in, whether from the services or as JSON from the API. */
export interface GateReportLike {
  verdict: {
    pass: boolean;
    reasons: string[];
    warnings: string[];
    problems: {
      key: string;
      title: string;
      status: GateProblemStatus;
      reasons: string[];
      warnings: string[];
      evidence?: { status: string; sentence: string };
    }[];
  };
  model: { name: string; version: string };
  baseline: { name: string; version: string } | null;
  problems: {
    key: string;
    threshold: number | null;
    metrics: {
      n: number;
      passed: number;
      failed: number;
      errored: number;
      passRate: number | null;
      ci: [number, number] | null;
    };
    comparison?: { verdict: Verdict; fixed: number[]; broken: number[]; pValue: number };
  }[];
  patterns: {
    problemKey: string;
    patternId: number;
    input: unknown;
    expectation: unknown;
    status: OutcomeStatus | 'missing';
    flaky: boolean;
    prediction: unknown;
    reason: string;
    /** Older servers do not send these two. */
    latencyMs?: number | null;
    evaluatedAt?: string | Date | null;
  }[];
}

export function toGateView(report: GateReportLike, strict: boolean): GateView {
  const inputs = new Map(report.problems.map((p) => [p.key, p]));
  return {
    model: formatModelRef(report.model),
    baseline: report.baseline ? formatModelRef(report.baseline) : null,
    strict,
    pass: report.verdict.pass,
    reasons: report.verdict.reasons,
    warnings: report.verdict.warnings,
    problems: report.verdict.problems.map((v) => {
      const input = inputs.get(v.key);
      const m = input?.metrics;
      const c = input?.comparison;
      return {
        key: v.key,
        title: v.title,
        threshold: input?.threshold ?? null,
        passRate: m?.passRate ?? null,
        ci: m?.ci ?? null,
        n: m?.n ?? 0,
        passed: m?.passed ?? 0,
        failed: m?.failed ?? 0,
        errored: m?.errored ?? 0,
        status: v.status,
        reasons: v.reasons,
        warnings: v.warnings,
        evidence: v.evidence?.sentence ?? null,
        vsBaseline: c
          ? { verdict: c.verdict, fixed: c.fixed.length, broken: c.broken.length, pValue: c.pValue }
          : null,
        patterns: report.patterns
          .filter((p) => p.problemKey === v.key)
          .map((p) => ({
            patternId: p.patternId,
            input: p.input,
            expectation: p.expectation,
            status: p.status,
            prediction: p.prediction,
            reason: p.reason,
            flaky: p.flaky,
            ...(typeof p.latencyMs === 'number' ? { seconds: p.latencyMs / 1000 } : {}),
            ...(p.evaluatedAt ? { evaluatedAt: new Date(p.evaluatedAt).toISOString() } : {}),
          })),
      };
    }),
  };
}
