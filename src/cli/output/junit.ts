import { formatInterval, formatRate } from '../../core/metrics.ts';
import type { GatePatternView, GateProblemView, GateView } from './gate-view.ts';
import { attributes, escapeXml } from './xml.ts';

/**
 * JUnit XML as CI systems read it: one <testsuite> per problem, one <testcase> per pattern. A failed
 * pattern carries its input, expectation and the model's prediction so the CI page explains itself.
 * A problem that failed the gate for a reason no single pattern shows (a regression, a strict interval)
 * gets an extra "gate" testcase carrying that sentence.
 *
 * Times: a testcase's `time` is the endpoint time its pattern took (for a batched request, the request's
 * latency, shared by its inputs); a suite's is the sum of its cases', as Surefire does. A suite's
 * `timestamp` is when its first result was recorded (or the report's time when it has none), in UTC, and
 * `hostname` the machine that wrote the report: the Jenkins JUnit schema's shapes for both.
 */
export interface JunitContext {
  hostname: string;
  /** When the report is written; the timestamp of suites that have no result yet. */
  now: Date;
}

export function renderJunit(view: GateView, context: JunitContext): string {
  const suites = view.problems.map((p) => renderSuite(view, p, context));
  const totals = view.problems.reduce(
    (acc, p) => {
      const counts = suiteCounts(p);
      return {
        tests: acc.tests + counts.tests,
        failures: acc.failures + counts.failures,
        errors: acc.errors + counts.errors,
        seconds: acc.seconds + suiteSeconds(p),
      };
    },
    { tests: 0, failures: 0, errors: 0, seconds: 0 },
  );
  const { seconds, ...counts } = totals;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: `canary gate ${view.model}`, ...counts, time: formatTime(seconds) })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function gateCaseNeeded(p: GateProblemView): boolean {
  return p.reasons.length > 0 || p.status === 'regressed';
}

function suiteCounts(p: GateProblemView): { tests: number; failures: number; errors: number } {
  const failures = p.patterns.filter((x) => x.status === 'failed').length + (gateCaseNeeded(p) ? 1 : 0);
  const errors = p.patterns.filter((x) => x.status === 'errored' || x.status === 'missing').length;
  return { tests: p.patterns.length + (gateCaseNeeded(p) ? 1 : 0), failures, errors };
}

/** Seconds as the schema's SUREFIRE_TIME wants them: a plain decimal, milliseconds precision. */
function formatTime(seconds: number): string {
  return seconds.toFixed(3);
}

/** xs:dateTime without a zone, as JUnit writers emit it; always UTC here. */
function formatTimestamp(at: Date): string {
  return at.toISOString().slice(0, 19);
}

function suiteSeconds(p: GateProblemView): number {
  return p.patterns.reduce((sum, x) => sum + (x.seconds ?? 0), 0);
}

function renderSuite(view: GateView, p: GateProblemView, context: JunitContext): string {
  const counts = suiteCounts(p);
  const className = `canary.${p.key}`;
  const started = p.patterns
    .map((x) => x.evaluatedAt)
    .filter((at): at is string => at !== undefined)
    .sort()[0];
  const suite = {
    name: `${p.key} ${p.title}`,
    ...counts,
    skipped: 0,
    time: formatTime(suiteSeconds(p)),
    timestamp: formatTimestamp(started ? new Date(started) : context.now),
    hostname: context.hostname,
  };
  const lines = [
    `  <testsuite${attributes(suite)}>`,
    '    <properties>',
    property('model', view.model),
    property('baseline', view.baseline ?? 'none'),
    property('threshold', p.threshold === null ? 'ungated' : formatRate(p.threshold)),
    property('passRate', formatRate(p.passRate)),
    property('interval95', formatInterval(p.ci)),
    property('status', p.status),
    '    </properties>',
  ];
  if (gateCaseNeeded(p)) {
    lines.push(`    <testcase${attributes({ classname: className, name: 'gate', time: formatTime(0) })}>`);
    const message = p.reasons.join(' ') || `${p.key} regressed against the baseline.`;
    lines.push(`      <failure${attributes({ message, type: p.status })}>${escapeXml(message)}</failure>`);
    lines.push('    </testcase>');
  }
  for (const pattern of p.patterns) lines.push(...renderCase(className, pattern));
  lines.push('  </testsuite>');
  return lines.join('\n');
}

function property(name: string, value: string): string {
  return `      <property${attributes({ name, value })}/>`;
}

function renderCase(className: string, pattern: GatePatternView): string[] {
  const time = formatTime(pattern.seconds ?? 0);
  const open = `    <testcase${attributes({ classname: className, name: caseName(pattern), time })}`;
  if (pattern.status === 'passed') return [`${open}/>`];
  const details = [
    `input: ${show(pattern.input)}`,
    `expected: ${show(pattern.expectation)}`,
    `actual: ${pattern.prediction === null || pattern.prediction === undefined ? '(no prediction)' : show(answerOf(pattern.prediction))}`,
    ...gradedBy(pattern.prediction),
    `reason: ${pattern.reason || '(none given)'}`,
  ].join('\n');
  const tag = pattern.status === 'failed' ? 'failure' : 'error';
  const message =
    pattern.status === 'missing'
      ? 'No result for this pattern on this model.'
      : pattern.reason || pattern.status;
  return [
    `${open}>`,
    `      <${tag}${attributes({ message, type: pattern.status })}>${escapeXml(details)}</${tag}>`,
    '    </testcase>',
  ];
}

function caseName(pattern: GatePatternView): string {
  const input = typeof pattern.input === 'string' ? pattern.input : JSON.stringify(pattern.input);
  const short = input.length > 80 ? `${input.slice(0, 79)}…` : input;
  return `pattern ${pattern.patternId}: ${short}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What the model said (its text for generative models), without the bookkeeping stored beside it (cost, usage). */
function answerOf(prediction: unknown): unknown {
  if (prediction === null || typeof prediction !== 'object' || Array.isArray(prediction)) return prediction;
  const {
    cost: _cost,
    usage: _usage,
    grading: _grading,
    embedding: _embedding,
    ...answer
  } = prediction as Record<string, unknown>;
  const keys = Object.keys(answer);
  if (keys.length === 1 && typeof answer['text'] === 'string') return answer['text'];
  return answer;
}

function gradedBy(prediction: unknown): string[] {
  const grading = (prediction as { grading?: { by?: unknown; answer?: unknown } } | null | undefined)
    ?.grading;
  if (!grading || typeof grading.by !== 'string') return [];
  return [`graded by: ${grading.by}${grading.answer ? ` (said ${JSON.stringify(grading.answer)})` : ''}`];
}
