import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { GateView } from '../../src/cli/output/gate-view.ts';
import { renderJunit } from '../../src/cli/output/junit.ts';
import { renderMarkdown } from '../../src/cli/output/markdown.ts';
import { createProgress } from '../../src/cli/progress.ts';

const view: GateView = {
  model: 'sent<iment>@v2',
  baseline: null,
  strict: false,
  pass: false,
  reasons: ['P-1 "A | B": pass rate 50% is below the threshold 80% (1/2 passed).'],
  warnings: [],
  problems: [
    {
      key: 'P-1',
      title: 'A | B & "quotes"',
      threshold: 0.8,
      passRate: 0.5,
      ci: [0.1, 0.9],
      n: 2,
      passed: 1,
      failed: 1,
      errored: 1,
      status: 'below',
      reasons: ['P-1 "A | B": pass rate 50% is below the threshold 80% (1/2 passed).'],
      warnings: [],
      vsBaseline: null,
      patterns: [
        {
          patternId: 1,
          input: 'fine',
          expectation: { label: 'positive' },
          status: 'passed',
          prediction: null,
          reason: '',
        },
        {
          patternId: 2,
          input: 'a <b>&</b> "c"\u0001 ]]>',
          expectation: { regex: '^<' },
          status: 'failed',
          prediction: { label: '</failure>' },
          reason: 'no match',
        },
        {
          patternId: 3,
          input: { text: 'x' },
          expectation: { label: 'x' },
          status: 'errored',
          prediction: null,
          reason: 'timeout',
        },
      ],
    },
  ],
};

describe('renderJunit', () => {
  it('escapes markup and control characters so the XML stays valid and reads back exactly', () => {
    const text = renderJunit(view, { hostname: 'ci-runner', now: new Date() });
    expect(XMLValidator.validate(text)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text);
    const suite = parsed.testsuites.testsuite;
    expect(suite.name).toBe('P-1 A | B & "quotes"');
    expect(suite).toMatchObject({ tests: '4', failures: '2', errors: '1' });
    const failure = suite.testcase.find(
      (c: { failure?: unknown; name: string }) => c.failure && c.name !== 'gate',
    );
    expect(failure.failure['#text']).toContain('input: a <b>&</b> "c" ]]>');
    expect(failure.failure['#text']).toContain('actual: {"label":"</failure>"}');
  });

  it('shows a generative answer as its text, with who graded it, and leaves cost out', () => {
    const generative = structuredClone(view);
    const pattern = generative.problems[0]!.patterns.find((p) => p.status === 'failed')!;
    pattern.prediction = {
      text: 'That is not my problem.',
      usage: { promptTokens: 4, completionTokens: 5 },
      cost: { requests: 1, promptTokens: 4, completionTokens: 5 },
      grading: { by: 'toxicity@1', answer: { label: 'toxic' }, cached: false },
    };
    const text = renderJunit(generative, { hostname: 'ci-runner', now: new Date() });
    expect(text).toContain('actual: That is not my problem.');
    expect(text).toContain('graded by: toxicity@1 (said {&quot;label&quot;:&quot;toxic&quot;})');
    expect(text).not.toContain('promptTokens');
  });
});

describe('renderMarkdown', () => {
  it('keeps pipes in titles from breaking the table', () => {
    const md = renderMarkdown(view);
    expect(md).toContain(
      '| P-1 A \\| B &amp; "quotes" | 50% (1/2) | [10%, 90%] | 80% | ❌ below threshold | – |',
    );
    expect(md).toContain('❌ failed');
  });
});

describe('renderMarkdown with hostile titles', () => {
  const hostile = [
    '[click](https://evil.example/phish)',
    '![img](https://evil.example/t.png)',
    'ping @acme/security-team and @octocat',
    '<!here> <img src=x onerror=alert(1)> <script>x</script>',
    '# Heading **bold** _it_ `code` ~strike~',
    'visit https://evil.example or www.evil.example',
    'line\nbreak | pipe',
  ];
  const md = renderMarkdown({
    ...view,
    model: '@octocat/model@v1',
    baseline: '<b>base</b>`x`',
    problems: hostile.map((title, i) => ({
      ...(view.problems[0] as (typeof view.problems)[number]),
      key: `P-${i}`,
      title,
    })),
    reasons: ['P-0 [click](https://evil.example) is below @team'],
  });

  it.each([
    ['a link or image', /(^|[^\\])\[[^\]]*\]\(/m],
    ['an @mention', /(^|[^&#\w])@[a-z]/im],
    ['raw HTML or <!here>', /<[!a-z/]/i],
    ['a bare URL', /https?:\/\//],
    ['a www autolink', /www\.evil/],
    ['unescaped emphasis or code', /(^|[^\\])[*_`~](?!\s*\|)/m],
    ['an extra table line', /line\s*\n\s*break/],
  ])('contains no %s', (_what, pattern) => {
    const body = md
      .split('\n')
      .filter((l) => !l.startsWith('| Problem') && !l.startsWith('| ---') && !l.startsWith('**'))
      .join('\n');
    expect(body.replace(/^### Canary gate: /m, '')).not.toMatch(pattern);
  });

  it('keeps the text readable', () => {
    expect(md).toContain('\\[click\\]\\(https&#58;//evil.example/phish\\)');
    expect(md).toContain('&#64;acme/security-team');
    expect(md).toContain('&lt;\\!here&gt;');
    expect(md.split('\n').filter((l) => l.startsWith('| P-'))).toHaveLength(hostile.length);
  });
});

describe('createProgress', () => {
  it('writes one line per 10% when stderr is not a terminal', () => {
    const out: string[] = [];
    const progress = createProgress({ write: (t: string) => out.push(t) }, 'evaluation 1');
    for (let done = 0; done <= 100; done++) progress.update(done, 100, done === 100 ? 'done' : 'running');
    progress.finish();
    expect(out).toHaveLength(11);
    expect(out.at(-1)).toBe('evaluation 1: done 100/100 (100%)\n');
  });

  it('redraws one line in place on a terminal', () => {
    const out: string[] = [];
    const progress = createProgress({ write: (t: string) => out.push(t), isTTY: true }, 'evaluation 1');
    progress.update(1, 4, 'running');
    progress.update(2, 4, 'running');
    progress.finish();
    expect(out.slice(0, 2).every((l) => l.startsWith('\r'))).toBe(true);
    expect(out.at(-1)).toBe('\n');
  });
});
