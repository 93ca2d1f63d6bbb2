import type { GateProblemStatus } from '../../core/gate.ts';
import { formatInterval, formatRate } from '../../core/metrics.ts';
import type { GateProblemView, GateView } from './gate-view.ts';

const STATUS_LABEL: Record<GateProblemStatus, string> = {
  meets: '✅ meets',
  below: '❌ below threshold',
  regressed: '❌ regressed',
  not_evaluated: '⚠️ not evaluated',
  ungated: '➖ not gated',
  too_few_patterns: '🔍 too few patterns to tell',
};

/** A table fit for a pull-request comment. */
export function renderMarkdown(view: GateView): string {
  const heading = `### Canary gate: ${cell(view.model)} ${view.pass ? '✅ passed' : '❌ failed'}`;
  const against = view.baseline
    ? `Compared with ${cell(view.baseline)}.`
    : 'No baseline model to compare with.';
  const rows = view.problems.map(row);
  const lines = [
    heading,
    '',
    `${against}${view.strict ? ' Strict mode: the whole 95% interval must clear each threshold.' : ''}`,
    '',
    '| Problem | Pass rate | 95% interval | Threshold | Status | vs baseline |',
    '| --- | ---: | --- | ---: | --- | --- |',
    ...rows,
  ];
  if (view.problems.length === 0) lines.push('| _no problems_ | | | | | |');
  if (view.reasons.length > 0)
    lines.push('', '**Why it failed**', '', ...view.reasons.map((r) => `- ${cell(r)}`));
  if (view.warnings.length > 0)
    lines.push('', '**Warnings**', '', ...view.warnings.map((w) => `- ${cell(w)}`));
  return `${lines.join('\n')}\n`;
}

function row(p: GateProblemView): string {
  const rate = p.n > 0 ? `${formatRate(p.passRate)} (${p.passed}/${p.n})` : '–';
  return `| ${cell(`${p.key} ${p.title}`)} | ${rate} | ${formatInterval(p.ci)} | ${
    p.threshold === null ? '–' : formatRate(p.threshold)
  } | ${STATUS_LABEL[p.status]} | ${versus(p)} |`;
}

function versus(p: GateProblemView): string {
  const c = p.vsBaseline;
  if (!c) return '–';
  const p3 = c.pValue < 0.001 ? 'p < 0.001' : `p = ${c.pValue.toFixed(3)}`;
  const word =
    c.verdict === 'regressed' ? 'regressed' : c.verdict === 'improved' ? 'improved' : 'no clear change';
  return `${word}: +${c.fixed} fixed / −${c.broken} broken (${p3})`;
}

/**
 * User text (problem titles, model names) as inert Markdown for a pull-request comment: HTML and
 * Slack-style `<!here>` become entities; link, image, emphasis and heading syntax is backslash-escaped;
 * `@team` mentions and bare URLs are broken with entities GitHub shows as the same characters but does not
 * act on; pipes and newlines would break the table.
 */
export function cell(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~]/g, '\\$&')
    .replace(/@/g, '&#64;')
    .replace(/:\/\//g, '&#58;//')
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}&#46;`);
}
