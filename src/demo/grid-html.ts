import { truncate } from '../core/text.ts';
import type { PatternGrid } from '../services/reports.ts';

/**
 * The pattern grid as an HTML table for the reports: one mark per (pattern, model) whose tooltip (`title`) holds
 * what the model answered, why it passed or failed, and who graded it. Outputs are model-written text, so they
 * are escaped (a reply may well contain `<script>` or `"` to break out of the attribute) and shortened.
 */

export const TOOLTIP_OUTPUT_MAX = 400;
const TOOLTIP_REASON_MAX = 300;
const INPUT_MAX = 80;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Attribute text: escaped, with line breaks kept as character references so the tooltip shows them. */
function attr(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, '&#10;');
}

const MARKS = { passed: '●', failed: '■', errored: '✕' } as const;

function oneLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), max);
}

/** The tooltip of one cell, as plain text (escaped by the caller). */
export function cellTooltip(
  model: string,
  status: keyof typeof MARKS,
  detail: PatternGrid['details'][number][number],
): string {
  const lines = [`${model}: ${status}`];
  if (detail) {
    lines.push(
      detail.output === null ? 'no answer' : `output: ${truncate(detail.output, TOOLTIP_OUTPUT_MAX)}`,
    );
    if (detail.reason !== '') lines.push(`reason: ${truncate(detail.reason, TOOLTIP_REASON_MAX)}`);
    if (detail.gradedBy) lines.push(`graded by ${detail.gradedBy}`);
  }
  return lines.join('\n');
}

export function patternGridHtml(grid: PatternGrid): string {
  if (grid.patterns.length === 0 || grid.models.length === 0)
    return `<p>${escapeHtml(grid.problem.key)}: no results yet.</p>`;
  const head = ['Pattern', ...grid.models.map((m) => m.ref)].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = grid.patterns.map((p, i) => {
    const input = typeof p.input === 'string' ? p.input : JSON.stringify(p.input);
    const cells = grid.models.map((m, j) => {
      const status = grid.cells[i]?.[j] ?? null;
      if (status === null) return '<td class="none" title="not run">–</td>';
      const tip = cellTooltip(m.ref, status, grid.details[i]?.[j] ?? null);
      return `<td class="${status}" title="${attr(tip)}">${MARKS[status]}</td>`;
    });
    return `<tr><th title="${attr(input)}">#${p.id} ${escapeHtml(oneLine(input, INPUT_MAX))}</th>${cells.join('')}</tr>`;
  });
  return `<table class="grid"><caption>${escapeHtml(
    `${grid.problem.key} ${grid.problem.title}`,
  )}: each pattern on each model (hover a mark for the output)</caption>
<thead><tr>${head}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

/** Colours by status, told apart by shape too (●, ■, ✕) for colour-blind readers. */
export const GRID_CSS =
  '.grid td{text-align:center;cursor:help}.grid .passed{color:#0072B2}.grid .failed{color:#D55E00}.grid .errored{color:#7F7F7F}.grid .none{color:#bbb}.grid th{font-weight:normal;text-align:left}';
