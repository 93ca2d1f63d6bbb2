import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../../src/db/schema.ts';
import {
  createHarness,
  type Harness,
  resultsOf,
  seedPattern,
  seedProblem,
  waitForEvaluation,
} from './harness.ts';

/**
 * A model server written to break the worker: labels carrying U+0000 or unpaired surrogates (which
 * Postgres refuses in jsonb and text), and a 20 MB answer. Each request is counted, so a batch retried
 * because its insert failed shows up as extra calls.
 */
interface Hostile {
  url: string;
  calls: number;
  close(): Promise<void>;
}

const ANSWERS: Record<string, () => string> = {
  nul: () => JSON.stringify({ label: 'neg\u0000ative', note: { 'k\u0000': 'v' } }),
  high: () => JSON.stringify({ label: 'negative\ud800' }),
  low: () => JSON.stringify({ label: '\udc00negative' }),
  deep: () => `{"label":"negative","x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
  fine: () => JSON.stringify({ label: 'negative' }),
  huge: () => JSON.stringify({ label: 'negative', pad: 'x'.repeat(20 * 1024 * 1024) }),
};

async function startHostile(): Promise<Hostile> {
  const state = { calls: 0 };
  const server = http.createServer((req, res) => {
    state.calls++;
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const text = (JSON.parse(body) as { text: string }).text;
      const answer = (ANSWERS[text] ?? ANSWERS.fine)!();
      res.writeHead(200, { 'content-type': 'application/json' });
      // The huge answer is streamed without a content-length, so only counting bytes can stop it.
      if (text === 'huge') {
        for (let i = 0; i < answer.length; i += 1 << 20) res.write(answer.slice(i, i + (1 << 20)));
        res.end();
      } else res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/predict`,
    get calls() {
      return state.calls;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

let h: Harness;
let hostile: Hostile;

beforeAll(async () => {
  h = await createHarness();
  hostile = await startHostile();
});

afterAll(async () => {
  await h?.close();
  await hostile?.close();
});

async function evaluate(texts: string[]) {
  const problemId = await seedProblem(h.db, `Hostile outputs ${randomBytes(3).toString('hex')}`);
  for (const text of texts) await seedPattern(h.db, problemId, text, { label: 'negative' });
  const [row] = await h.db
    .insert(models)
    .values({
      name: 'hostile',
      version: randomBytes(4).toString('hex'),
      adapter: 'http',
      url: hostile.url,
      endpointOptions: { retries: 0, labelPath: 'label' },
    })
    .returning({ id: models.id });
  const modelId = row!.id;
  const before = hostile.calls;
  const { evaluationId } = await h.scheduler.evaluateModel({ modelId, trigger: 'register' });
  const evaluation = await waitForEvaluation(h.db, evaluationId);
  return { evaluation, rows: await resultsOf(h.db, modelId), calls: hostile.calls - before };
}

describe('one bad output errors only itself', () => {
  it('NUL, unpaired surrogates and deep nesting are stored cleaned, with a note, and cost no other row', async () => {
    const { evaluation, rows, calls } = await evaluate(['nul', 'high', 'low', 'deep', 'fine']);
    expect(evaluation).toMatchObject({ status: 'done', doneCount: 5, errored: 0 });
    // Every pattern's endpoint call happened once: the batch was not retried over a failed insert.
    expect(calls).toBe(5);
    const byText = new Map(rows.map((r) => [JSON.stringify(r.output), r]));
    expect(rows).toHaveLength(5);
    const nul = rows.find((r) => JSON.stringify(r.output).includes('neg\ufffdative'));
    expect(nul?.reason).toMatch(
      /\[stored with 3 character\(s\) Postgres cannot store .* replaced by U\+FFFD\]/,
    );
    expect(nul?.prediction).toMatchObject({ label: 'neg\ufffdative' });
    expect(rows.find((r) => JSON.stringify(r.output).includes('negative\ufffd'))?.reason).toMatch(
      /2 character/,
    );
    expect(rows.find((r) => JSON.stringify(r.output).includes('\ufffdnegative'))?.reason).toMatch(
      /2 character/,
    );
    expect(rows.find((r) => /nested more than 100 levels deep/.test(r.reason))).toBeDefined();
    // The well-behaved answer is stored untouched, without a note.
    expect(byText.get(JSON.stringify({ label: 'negative' }))).toMatchObject({
      status: 'passed',
      reason: expect.not.stringMatching(/stored with/),
    });
  });
});

describe('bounded responses', () => {
  it('a 20 MB answer is cut at the cap and recorded as too large; the rest of the batch is unharmed', async () => {
    const { evaluation, rows, calls } = await evaluate(['huge', 'fine']);
    // A new model runs every pattern, the earlier test's included.
    expect(evaluation).toMatchObject({ status: 'done', doneCount: rows.length, errored: 1 });
    const huge = rows.filter((r) => r.status === 'errored');
    expect(huge).toHaveLength(1);
    expect(huge[0]?.reason).toMatch(/^response too large \(over 1,048,576 bytes\)$/);
    // Not retried: the next answer would be just as large.
    expect(calls).toBe(rows.length);
  });
});
