import { formatInterval, formatRate } from '../core/metrics.ts';
import { escapeHtml, GRID_CSS } from './grid-html.ts';
import type { DemoRow } from './run.ts';

/** One self-contained page: the per-problem table and the four charts beside it. */
export function demoHtml(input: {
  rows: DemoRow[];
  models: string[];
  production: string;
  charts: string[];
  /** Pattern grids already rendered by patternGridHtml (escaped there). */
  grids?: string[];
  generatedAt: Date;
}): string {
  const latest = input.models[input.models.length - 1] ?? '';
  const head = ['Problem', 'Threshold', ...input.models, `${latest} vs ${input.production}`, 'Gate']
    .map((h) => `<th>${escapeHtml(h)}</th>`)
    .join('');
  const body = input.rows
    .map((r) => {
      const cells = r.cells
        .map((c) => `<td>${formatRate(c.passRate)} <small>${formatInterval(c.ci)} n=${c.n}</small></td>`)
        .join('');
      const verdict = r.verdict
        ? `${r.verdict.replace(/_/g, ' ')} <small>p=${r.pValue?.toFixed(3)}</small>`
        : '–';
      const gate = r.meetsThreshold === null ? '–' : r.meetsThreshold ? 'meets' : '<b>below</b>';
      return `<tr><td><b>${escapeHtml(r.key)}</b> ${escapeHtml(r.title)}</td><td>${
        r.threshold === null ? '–' : formatRate(r.threshold)
      }</td>${cells}<td>${verdict}</td><td>${gate}</td></tr>`;
    })
    .join('\n');
  const charts = input.charts
    .map((c) => `<figure><img src="${escapeHtml(c)}" alt="${escapeHtml(c)}"></figure>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Canary report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
th{background:#f4f4f4}small{color:#666}figure{display:inline-block;margin:.5rem}img{max-width:800px;border:1px solid #eee}
${GRID_CSS}
</style></head><body>
<h1>Canary: problems across candidate models</h1>
<p>Pass rate per problem with its 95% Wilson interval. Verdict: ${escapeHtml(latest)} against production ${escapeHtml(
    input.production,
  )} on the same pattern revisions (exact McNemar test, p &lt; 0.05). Generated ${input.generatedAt.toISOString()}.</p>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
${charts}
${(input.grids ?? []).join('\n')}
</body></html>
`;
}
