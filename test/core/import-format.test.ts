import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseImport, toJsonl } from '../../src/core/import-format.ts';
import type { PatternDraft } from '../../src/core/pattern.ts';

describe('parseImport jsonl', () => {
  it('validates every row, skipping blank lines, with line numbers', () => {
    const text = [
      '{"problem":"P-3","input":"I didnt like it","expect":{"label":"negative"}}',
      '',
      '{"problem":"P-3","input":"x",',
      '{"problem":"P-3","input":"y","expect":{"lable":"negative"}}',
      '  ',
      '{"problem":"Negation","input":{"text":"z"},"expect":{"range":{"min":0.5}},"source":"production"}',
      '[1,2]',
    ].join('\n');
    const result = parseImport(text, 'jsonl', 1000);
    expect(result.drafts.map((d) => [d.line, d.draft.problem, d.draft.source])).toEqual([
      [1, 'P-3', 'import'],
      [6, 'Negation', 'production'],
    ]);
    expect(result.errors.map((e) => e.line)).toEqual([3, 4, 7]);
    expect(result.errors[0]?.message).toMatch(/^Invalid JSON: /);
    expect(result.errors[1]?.message).toMatch(/^expect: Unknown expectation kind \("lable"\)/);
    expect(result.errors[2]?.message).toMatch(/^pattern: /);
  });

  it('handles CRLF and empty files', () => {
    expect(parseImport('', 'jsonl', 10)).toEqual({ drafts: [], errors: [] });
    const result = parseImport('{"problem":"P-1","input":"a","expect":{"label":"x"}}\r\n\r\n', 'jsonl', 100);
    expect(result.drafts).toHaveLength(1);
    expect(result.errors).toEqual([]);
  });
});

describe('parseImport csv', () => {
  it('reads shorthand and JSON expectations, quoted multi-line cells, and reports the starting line', () => {
    const text = [
      'problem,input,expect,polarity,source,notes',
      'P-3,"I didnt',
      'like it",negative,,,',
      '',
      'P-3,Great!,"{""one_of"":[""neutral"",""positive""]}",negative,production,seen in #support',
      'P-3,bad row,oneof:a',
      'P-3,"{""text"":""structured""}",range:0.5..1,,,',
      'P-3,too few',
      'P-3,too,many,,,,extra',
    ].join('\n');
    const result = parseImport(text, 'csv', 1000);
    expect(result.drafts.map((d) => d.line)).toEqual([2, 5, 7]);
    expect(result.drafts[0]?.draft).toMatchObject({
      input: 'I didnt\nlike it',
      expectation: { label: 'negative' },
      source: 'import',
    });
    expect(result.drafts[1]?.draft).toMatchObject({
      expectation: { one_of: ['neutral', 'positive'] },
      polarity: 'negative',
      source: 'production',
      notes: 'seen in #support',
    });
    expect(result.drafts[2]?.draft.input).toEqual({ text: 'structured' });
    expect(result.errors).toEqual([
      { line: 6, message: expect.stringMatching(/^expect: Unknown expectation prefix "oneof:"/) },
      { line: 8, message: expect.stringMatching(/^expect: The expectation \("expect"\) is missing/) },
      { line: 9, message: 'This row has 7 fields; the header has 6.' },
    ]);
  });

  it.each([
    ['problem,input,expected\nP-1,a,b', /Unknown column\(s\) "expected"/],
    ['problem,input\nP-1,a', /Missing column\(s\) expect/],
    ['problem,input,expect\nP-1,"a,b', /^Invalid CSV: /],
  ])('rejects a bad file %#', (text, message) => {
    const result = parseImport(text, 'csv', 1000);
    expect(result.drafts).toEqual([]);
    expect(result.errors[0]?.message).toMatch(message);
  });
});

describe('toJsonl', () => {
  const drafts: PatternDraft[] = [
    {
      problem: 'P-3',
      input: 'a "quoted"\nline',
      expectation: { label: 'negative' },
      polarity: 'positive',
      source: 'contrived',
      notes: '',
    },
    {
      problem: 'Negation',
      input: { text: 'x' },
      expectation: { invariant: ['b', 'c'] },
      polarity: 'negative',
      source: 'production',
      notes: 'n',
      sourceRef: 'https://example.com/x',
    },
  ];

  it('round-trips through parseImport', () => {
    const text = toJsonl(drafts);
    expect(text.split('\n')).toHaveLength(3);
    expect(parseImport(text, 'jsonl', 1000)).toEqual({
      drafts: drafts.map((draft, i) => ({ line: i + 1, draft })),
      errors: [],
    });
  });
});

describe('parseImport never throws', () => {
  it.each(['jsonl', 'csv'] as const)('%s', (format) => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = parseImport(text, format, 100);
        for (const e of result.errors) {
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
