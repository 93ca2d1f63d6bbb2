import { describe, expect, it } from 'vitest';
import { cellTooltip, patternGridHtml, TOOLTIP_OUTPUT_MAX } from '../../src/demo/grid-html.ts';
import type { PatternGrid } from '../../src/services/reports.ts';

const HOSTILE = "\"><script>alert(1)</script>\nSee <a href=x>this</a> & 'that'";

function grid(overrides: Partial<PatternGrid> = {}): PatternGrid {
  return {
    problem: { key: 'P-1', title: 'Rude <b>replies</b>' } as PatternGrid['problem'],
    patterns: [
      { id: 11, revisionId: 21, revision: 1, input: 'Where is my order? <img src=x onerror=alert(1)>' },
      { id: 12, revisionId: 22, revision: 1, input: { text: 'json "input"' } },
    ],
    models: [
      { id: 1, ref: 'bot@1' },
      { id: 2, ref: 'bot@2' },
    ],
    cells: [
      ['failed', 'passed'],
      ['errored', null],
    ],
    details: [
      [
        { output: HOSTILE, reason: 'judge@1 failed it: rude', gradedBy: 'judge@1' },
        { output: 'Sorry! We will refund you.', reason: '' },
      ],
      [{ output: null, reason: 'endpoint timed out' }, null],
    ],
    ...overrides,
  };
}

describe('the HTML pattern grid', () => {
  it('shows each output in its cell’s tooltip, escaped, with reason and grader', () => {
    const html = patternGridHtml(grid());
    expect(html).toContain(
      'title="bot@1: failed&#10;output: &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#10;See &lt;a href=x&gt;this&lt;/a&gt; &amp; &#39;that&#39;&#10;reason: judge@1 failed it: rude&#10;graded by judge@1">■</td>',
    );
    expect(html).toContain('title="bot@2: passed&#10;output: Sorry! We will refund you.">●</td>');
    expect(html).toContain('title="bot@1: errored&#10;no answer&#10;reason: endpoint timed out">✕</td>');
    expect(html).toContain('<td class="none" title="not run">–</td>');
    // Nothing a model or a pattern wrote reaches the page as markup.
    expect(html).not.toMatch(/<script|<img|<a href|<b>/);
    expect(html).toContain('Rude &lt;b&gt;replies&lt;/b&gt;');
    expect(html).toContain('#12 {&quot;text&quot;:&quot;json \\&quot;input\\&quot;&quot;}');
  });

  it('shortens long outputs in the tooltip', () => {
    const long = 'a'.repeat(TOOLTIP_OUTPUT_MAX * 3);
    const tip = cellTooltip('bot@1', 'failed', { output: long, reason: '' });
    const shown = tip.split('\n')[1] as string;
    expect(shown.startsWith('output: aaa')).toBe(true);
    expect(shown.length).toBeLessThanOrEqual('output: '.length + TOOLTIP_OUTPUT_MAX);
    expect(shown.length).toBeGreaterThan(TOOLTIP_OUTPUT_MAX / 2);
  });

  it('says so when there is nothing to show', () => {
    expect(patternGridHtml(grid({ patterns: [], cells: [], details: [] }))).toBe(
      '<p>P-1: no results yet.</p>',
    );
  });
});
