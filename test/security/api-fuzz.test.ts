import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiAnswer, type Stack, startStack } from './stack.ts';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack({ allowlist: ['127.0.0.1', 'models.internal'] });
  const created = await s.call('POST', '/api/v1/problems', JSON.stringify({ title: 'Fuzz target' }));
  key = (created.json as { key: string }).key;
});
afterAll(async () => {
  await s?.close();
  // Printed for the closing note; a 5xx (crash) or a half-written row (lost) fails the property instead.
  process.stdout.write(`api-fuzz figures ${JSON.stringify(figures)}\n`);
});

/** Inputs tried and refused (4xx) per route. */
const figures: Record<string, { tried: number; refused: number; crashed: 0; lost: 0 }> = {};
const count = (cls: string, refused: boolean) => {
  const f = figures[cls] ?? { tried: 0, refused: 0, crashed: 0, lost: 0 };
  figures[cls] = f;
  f.tried++;
  if (refused) f.refused++;
};

const RUNS = 150;
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** Object keys that include the ones prototype pollution rides on. */
const keyArb = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...POLLUTING_KEYS));
const jsonish = fc.jsonValue({ maxDepth: 4 });
const pollutingObject = fc
  .tuple(fc.constantFrom(...POLLUTING_KEYS), jsonish, fc.dictionary(keyArb, jsonish, { maxKeys: 4 }))
  // Written as text: JSON.stringify of an object literal would drop a real __proto__ key.
  .map(([k, v, rest]) => `{${JSON.stringify(k)}:${JSON.stringify(v)}${restMembers(rest)}}`);

function restMembers(rest: Record<string, unknown>): string {
  return Object.entries(rest)
    .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join('');
}

function deep(depth: number, open: string, close: string, core = '1'): string {
  return open.repeat(depth) + core + close.repeat(depth);
}

/** Bodies no route should fall over on, whatever it expects. */
function hostileBody(fields: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  return fc.oneof(
    jsonish.map((v) => JSON.stringify(v)),
    fc.anything({ maxDepth: 3 }).map((v) => safeStringify(v)),
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    pollutingObject,
    fields.map((v) => JSON.stringify(v)),
    fc.integer({ min: 100, max: 20_000 }).map((n) => deep(n, '[', ']')),
    fc.integer({ min: 100, max: 20_000 }).map((n) => deep(n, '{"a":', '}')),
    fc.integer({ min: 100_000, max: 600_000 }).map((n) => JSON.stringify({ title: 'x'.repeat(n) })),
  );
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

/** Plausible field names with hostile values, so the fuzzing reaches past the shape checks. */
const problemFields = fc.record(
  {
    title: fc.oneof(fc.string(), fc.anything()),
    description: fc.anything(),
    severity: fc.oneof(fc.constantFrom('low', 'medium', 'high', 'critical'), fc.anything()),
    threshold: fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.anything()),
    ownerId: fc.anything(),
    status: fc.oneof(fc.constantFrom('open', 'resolved', 'monitoring'), fc.string()),
  },
  { requiredKeys: [] },
);

/** A well-formed pattern whose input nests thousands deep: written as text, too deep for JSON.stringify here. */
function deepPatternText(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom(['{"a":', '}'], ['[', ']']))
    .map(
      ([n, [open, close]]) =>
        `{"problem":${JSON.stringify(key)},"input":${deep(n, open, close)},"expect":{"label":"x"}}`,
    );
}

function patternFields(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      problem: fc.oneof(fc.constant(key), fc.string(), fc.anything()),
      // Binary strings carry NULs and unpaired surrogates, which Postgres cannot store.
      input: fc.oneof(
        fc.string({ maxLength: 3000 }),
        fc.string({ unit: 'binary', maxLength: 50 }),
        jsonish,
        fc.anything(),
      ),
      expect: fc.oneof(
        fc.record({ label: fc.string() }),
        fc.record({ regex: fc.string() }),
        fc.record({
          regex: fc.constantFrom('(a|a)*b', '(a)\\1', 'a(?=b)', `^(?:${Array(12).fill('.').join('|')})*Z$`),
        }),
        fc.record({
          invariant: fc.oneof(
            fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 60 }),
            fc.array(fc.string({ maxLength: 3000 }), { maxLength: 8 }),
            fc.array(jsonish, { maxLength: 5 }),
          ),
        }),
        fc.record({ range: fc.anything() }),
        fc.string(),
        fc.anything(),
      ),
      polarity: fc.oneof(fc.constantFrom('positive', 'negative'), fc.anything()),
      source: fc.oneof(fc.constantFrom('contrived', 'production'), fc.anything()),
      notes: fc.anything(),
    },
    { requiredKeys: [] },
  );
}

const modelFields = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 120 }), fc.anything()),
    version: fc.oneof(fc.string({ maxLength: 12 }), fc.anything()),
    endpoint: fc.oneof(
      fc.record(
        {
          adapter: fc.oneof(
            fc.constantFrom('http', 'openai', 'kserve-v2', 'tfserving', 'mlflow'),
            fc.string(),
          ),
          url: fc.oneof(fc.webUrl(), fc.string(), fc.constant('http://169.254.169.254/latest')),
          options: fc.anything(),
          headersFromEnv: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.anything()),
          timeoutMs: fc.anything(),
          bodyTemplate: fc.oneof(
            fc.anything(),
            fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })),
          ),
        },
        { requiredKeys: ['adapter', 'url'] },
      ),
      fc.anything(),
    ),
    metrics: fc.oneof(
      fc.dictionary(fc.string(), fc.double()),
      fc.dictionary(fc.string({ unit: 'binary' }), fc.double()),
      fc.anything(),
    ),
    repeats: fc.oneof(fc.integer({ min: -5, max: 30 }), fc.double(), fc.anything()),
  },
  { requiredKeys: [] },
);

async function expectWellBehaved(answer: ApiAnswer, before: Record<string, number>): Promise<void> {
  expect(answer.status, answer.text.slice(0, 500)).toBeLessThan(500);
  expect(answer.json, answer.text.slice(0, 200)).toBeTypeOf('object');
  if (answer.status >= 400) {
    const error = (answer.json as { error?: { code?: unknown; message?: unknown } }).error;
    expect(error?.code).toBeTypeOf('string');
    expect(error?.message).toBeTypeOf('string');
    expect(String(error?.message ?? '').trim()).not.toBe('');
    expect(await s.counts()).toEqual(before);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
}

async function fuzz(method: string, path: () => string, body: fc.Arbitrary<string>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(body, async (text) => {
      const before = await s.counts();
      const answer = await s.call(method, path(), text);
      await expectWellBehaved(answer, before);
      count(`${method} ${path().replace(key, ':key')}`, answer.status >= 400);
    }),
    { numRuns: RUNS, reporter: shortReport },
  );
}

/** Counterexamples can be megabytes of brackets: report the start of one and the failure, not all of it. */
function shortReport(details: fc.RunDetails<[string]>): void {
  if (!details.failed) return;
  const example = details.counterexample?.[0] ?? '';
  const shown = example.length > 300 ? `${example.slice(0, 300)}… (${example.length} chars)` : example;
  throw new Error(
    `Failed after ${details.numRuns} runs (seed ${details.seed}) on body ${shown}: ${String(details.errorInstance)}`,
  );
}

describe('REST bodies under fuzzing: never 5xx, always {error:{code,message}}, nothing half-written', () => {
  it('POST /api/v1/problems', async () => {
    await fuzz('POST', () => '/api/v1/problems', hostileBody(problemFields));
  });

  it('PATCH /api/v1/problems/:key', async () => {
    await fuzz('PATCH', () => `/api/v1/problems/${key}`, hostileBody(problemFields));
  });

  it('POST /api/v1/patterns with one object', async () => {
    await fuzz('POST', () => '/api/v1/patterns', fc.oneof(hostileBody(patternFields()), deepPatternText()));
  });

  it('POST /api/v1/patterns with an array', async () => {
    const arrays = fc.array(patternFields(), { minLength: 0, maxLength: 6 });
    await fuzz(
      'POST',
      () => '/api/v1/patterns',
      fc.oneof(
        arrays.map((a) => JSON.stringify(a)),
        hostileBody(patternFields()).map((b) => `[${b}]`),
        deepPatternText().map((b) => `[${b}]`),
      ),
    );
  });

  it('POST /api/v1/models', async () => {
    await fuzz('POST', () => '/api/v1/models', hostileBody(modelFields));
  });

  it('a body over the size limit is refused with 413 before it is parsed', async () => {
    const before = await s.counts();
    const answer = await s.call('POST', '/api/v1/problems', JSON.stringify({ title: 'x'.repeat(5_000_000) }));
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({
      error: { code: 'too_large', message: expect.stringContaining('limit') },
    });
    expect(await s.counts()).toEqual(before);
  });

  it.each(POLLUTING_KEYS)('a "%s" key is refused as an unknown field, naming it', async (k) => {
    const answer = await s.call(
      'POST',
      '/api/v1/problems',
      `{"title":"ok",${JSON.stringify(k)}:{"polluted":1}}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: 'validation', message: expect.stringContaining(k) } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
