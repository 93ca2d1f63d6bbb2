import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { GateView } from '../../src/cli/output/gate-view.ts';
import { renderJunit } from '../../src/cli/output/junit.ts';

/**
 * The shape the Jenkins JUnit schema (xunit-plugin's junit-10.xsd) allows, element by element: the
 * attributes each may carry (required ones marked) and the children each may hold, plus its SUREFIRE_TIME
 * pattern for `time`. The schema itself is not vendored; this is a reading of it.
 */
const SCHEMA: Record<string, { required: string[]; optional: string[]; children: string[] }> = {
  testsuites: {
    required: [],
    optional: ['name', 'time', 'tests', 'failures', 'errors'],
    children: ['testsuite'],
  },
  testsuite: {
    required: ['name', 'tests', 'failures', 'errors'],
    optional: ['group', 'time', 'skipped', 'timestamp', 'hostname', 'id', 'package', 'file', 'log', 'url'],
    children: ['testsuite', 'properties', 'testcase', 'system-out', 'system-err'],
  },
  properties: { required: [], optional: [], children: ['property'] },
  property: { required: ['name', 'value'], optional: [], children: [] },
  testcase: {
    required: ['name'],
    optional: ['time', 'classname', 'group'],
    children: ['skipped', 'error', 'failure', 'system-out', 'system-err'],
  },
  failure: { required: [], optional: ['type', 'message'], children: [] },
  error: { required: [], optional: ['type', 'message'], children: [] },
};
const SUREFIRE_TIME = /^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$/;

type Node = Record<string, unknown>;

/** Every schema violation in a parsed document, as `path: problem`. */
function violations(name: string, node: Node, path = name): string[] {
  const rule = SCHEMA[name];
  if (!rule) return [`${path}: element <${name}> is not in the schema`];
  const out: string[] = [];
  const attrs = Object.keys(node).filter((k) => k.startsWith('@'));
  for (const a of attrs) {
    const attr = a.slice(1);
    if (![...rule.required, ...rule.optional].includes(attr))
      out.push(`${path}: attribute ${attr} not allowed`);
  }
  for (const r of rule.required) if (!(`@${r}` in node)) out.push(`${path}: attribute ${r} missing`);
  const time = node['@time'];
  if (time !== undefined && !SUREFIRE_TIME.test(String(time))) out.push(`${path}: time "${time}"`);
  for (const [child, value] of Object.entries(node)) {
    if (child.startsWith('@') || child === '#text') continue;
    if (!rule.children.includes(child)) {
      out.push(`${path}: <${child}> not allowed inside <${name}>`);
      continue;
    }
    const list = Array.isArray(value) ? value : [value];
    for (const [i, c] of list.entries()) {
      out.push(...violations(child, (typeof c === 'object' ? c : {}) as Node, `${path}/${child}[${i}]`));
    }
  }
  return out;
}

const parse = (text: string) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    htmlEntities: true,
    parseAttributeValue: false,
  }).parse(text) as { testsuites: Node };

const view: GateView = {
  model: 'sentiment@v2',
  baseline: 'sentiment@v1',
  strict: false,
  pass: false,
  reasons: [],
  warnings: [],
  problems: [
    {
      key: 'P-1',
      title: 'Negation',
      threshold: 0.8,
      passRate: 0.5,
      ci: [0.1, 0.9],
      n: 2,
      passed: 1,
      failed: 1,
      errored: 0,
      status: 'below',
      reasons: ['P-1 "Negation": pass rate 50% is below\nthe threshold 80%.'],
      warnings: [],
      vsBaseline: null,
      patterns: [
        {
          patternId: 1,
          input: 'fine',
          expectation: { label: 'positive' },
          status: 'passed',
          prediction: { label: 'positive' },
          reason: '',
          seconds: 0.0126,
          evaluatedAt: '2026-12-01T10:00:05.250Z',
        },
        {
          patternId: 2,
          input: 'not good',
          expectation: { label: 'negative' },
          status: 'failed',
          prediction: { label: 'positive' },
          reason: 'expected negative\r\ngot positive\tinstead',
          seconds: 1.5,
          evaluatedAt: '2026-12-01T10:00:04.000Z',
        },
      ],
    },
    {
      key: 'P-2',
      title: 'Not evaluated yet',
      threshold: null,
      passRate: null,
      ci: null,
      n: 0,
      passed: 0,
      failed: 0,
      errored: 0,
      status: 'ungated',
      reasons: [],
      warnings: [],
      vsBaseline: null,
      patterns: [
        {
          patternId: 3,
          input: 'x',
          expectation: { label: 'x' },
          status: 'missing',
          prediction: null,
          reason: '',
        },
      ],
    },
  ],
};

describe('JUnit report against the Jenkins junit-10 schema', () => {
  const now = new Date('2026-12-02T01:02:03.456Z');
  const text = renderJunit(view, { hostname: 'ci-runner-7', now });
  const doc = parse(text);

  it('is well-formed and has only the elements and attributes the schema allows', () => {
    expect(XMLValidator.validate(text)).toBe(true);
    expect(violations('testsuites', doc.testsuites)).toEqual([]);
  });

  it('has a time on every testcase and suite, and a timestamp and hostname on every suite', () => {
    const suites = doc.testsuites['testsuite'] as Node[];
    expect(suites).toHaveLength(2);
    const [first, second] = suites as [Node, Node];
    // Sum of the cases; the gate case took no endpoint time.
    expect(first['@time']).toBe('1.513');
    expect(doc.testsuites['@time']).toBe('1.513');
    // When the first result was recorded, UTC, no zone (xs:dateTime as JUnit writers emit it).
    expect(first['@timestamp']).toBe('2026-12-01T10:00:04');
    // Nothing recorded yet: the time of the report.
    expect(second['@timestamp']).toBe('2026-12-02T01:02:03');
    for (const s of suites) {
      expect(s['@hostname']).toBe('ci-runner-7');
      for (const c of ([] as Node[]).concat(s['testcase'] as Node | Node[])) {
        expect(String(c['@time'])).toMatch(/^\d+\.\d{3}$/);
      }
    }
    const cases = first['testcase'] as Node[];
    expect(cases.map((c) => c['@time'])).toEqual(['0.000', '0.013', '1.500']);
  });

  it('keeps newlines, carriage returns and tabs in attributes as character references', () => {
    expect(text).toContain('below&#10;the threshold');
    expect(text).toContain('expected negative&#13;&#10;got positive&#9;instead');
    // No attribute value holds a raw line break, which a parser would turn into a space.
    for (const m of text.matchAll(/="([^"]*)"/g)) expect(m[1]).not.toMatch(/[\n\r\t]/);
    const cases = (doc.testsuites['testsuite'] as Node[])[0]?.['testcase'] as Node[];
    const gate = cases.find((c) => c['@name'] === 'gate') as Node;
    expect((gate['failure'] as Node)['@message']).toBe(
      'P-1 "Negation": pass rate 50% is below\nthe threshold 80%.',
    );
    const failed = cases.find((c) => String(c['@name']).startsWith('pattern 2')) as Node;
    expect((failed['failure'] as Node)['@message']).toBe('expected negative\r\ngot positive\tinstead');
  });
});
