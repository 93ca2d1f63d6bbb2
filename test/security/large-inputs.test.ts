import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_DEPTH } from '../../src/core/pattern.ts';
import { runCli } from '../cli/run-cli.ts';
import { MAX_INPUT_BYTES, type Stack, startStack, USER } from './stack.ts';

let s: Stack;
let key: string;
const dir = mkdtempSync(join(tmpdir(), 'canary-security-'));

beforeAll(async () => {
  s = await startStack();
  key = (
    (await s.call('POST', '/api/v1/problems', JSON.stringify({ title: 'Size limits' }))).json as {
      key: string;
    }
  ).key;
});
afterAll(async () => {
  await s?.close();
});

/** 1500 two-byte characters: 3000 bytes, though only 1500 characters long. */
const OVERSIZED = 'é'.repeat(1500);
const OVERSIZED_BYTES = 3000;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('inputs over CANARY_MAX_INPUT_BYTES', () => {
  it('the API refuses the pattern naming its size in bytes and the limit', async () => {
    const before = await s.counts();
    const res = await s.call(
      'POST',
      '/api/v1/patterns',
      JSON.stringify({ problem: key, input: OVERSIZED, expect: { label: 'x' } }),
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: {
        code: 'validation',
        field: 'input',
        message: expect.stringContaining(
          `The input is ${OVERSIZED_BYTES} bytes; the limit is ${MAX_INPUT_BYTES} bytes.`,
        ),
      },
    });
    expect(await s.counts()).toEqual(before);
  });

  it('the API refuses one oversized item in an array and saves none of the others', async () => {
    const before = await s.counts();
    const items = [
      { problem: key, input: 'fine', expect: { label: 'x' } },
      { problem: key, input: OVERSIZED, expect: { label: 'x' } },
    ];
    const res = await s.call('POST', '/api/v1/patterns', JSON.stringify(items));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: {
        field: '[1].input',
        message: expect.stringMatching(/item 1: input: .*3000 bytes.*2048 bytes/),
      },
    });
    expect(await s.counts()).toEqual(before);
  });

  it('the Slack modal shows the size and the limit on the input field and saves nothing', async () => {
    const before = await s.counts();
    await s.command(USER, '/pattern', `add ${key}`);
    const view = await s.slackApi.waitFor(() =>
      s.slackApi.views.find((v) => v.view.callback_id === 'pattern_add'),
    );
    const res = await s.submitView(view.id, USER, modalValues(OVERSIZED, 'text'));
    expect(res.body).toEqual({
      response_action: 'errors',
      errors: { input: `The input is ${OVERSIZED_BYTES} bytes; the limit is ${MAX_INPUT_BYTES} bytes.` },
    });
    expect(await s.counts()).toEqual(before);
  });

  it('canary import refuses the row naming its size and the limit, and imports nothing', async () => {
    const path = join(dir, 'big.jsonl');
    writeFileSync(
      path,
      [
        JSON.stringify({ problem: key, input: 'small and fine', expect: { label: 'x' } }),
        JSON.stringify({ problem: key, input: 'x'.repeat(1500), expect: { label: 'x' } }),
      ].join('\n'),
    );
    const before = await s.counts();
    const run = await runCli(['import', path], { DATABASE_URL: s.db.url, CANARY_MAX_INPUT_BYTES: '1024' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path}:2: input: The input is 1500 bytes; the limit is 1024 bytes.`);
    expect(run.stderr).toContain('nothing was imported');
    expect(await s.counts()).toEqual(before);
  });
});

describe('inputs nested too deep to handle safely', () => {
  it('the API refuses them with a 400 naming the depth limit, not a 500', async () => {
    const before = await s.counts();
    for (const depth of [MAX_INPUT_DEPTH + 1, 5_000, 50_000]) {
      const res = await s.call(
        'POST',
        '/api/v1/patterns',
        `{"problem":"${key}","input":${deepObject(depth)},"expect":{"label":"x"}}`,
      );
      expect(res.status, res.text.slice(0, 200)).toBe(400);
      expect(res.text).toMatch(/nests more than 64 levels deep|not valid JSON/);
    }
    expect(await s.counts()).toEqual(before);
  });

  it(`accepts an input exactly ${MAX_INPUT_DEPTH} levels deep`, async () => {
    const res = await s.call(
      'POST',
      '/api/v1/patterns',
      `{"problem":"${key}","input":${deepObject(MAX_INPUT_DEPTH)},"expect":{"label":"x"}}`,
    );
    expect(res.status, res.text.slice(0, 200)).toBe(201);
  });

  it('the Slack modal refuses a deep JSON input on the input field', async () => {
    const before = await s.counts();
    s.slackApi.reset();
    await s.command(USER, '/pattern', `add ${key}`);
    const view = await s.slackApi.waitFor(() =>
      s.slackApi.views.find((v) => v.view.callback_id === 'pattern_add'),
    );
    const res = await s.submitView(view.id, USER, modalValues(deepObject(3000), 'json'));
    expect(res.body).toMatchObject({
      response_action: 'errors',
      errors: { input: expect.stringMatching(/levels deep/) },
    });
    expect(await s.counts()).toEqual(before);
    expect(s.errorLogs()).toEqual([]);
  });

  it('canary import refuses a deep row by line number and imports nothing', async () => {
    const path = join(dir, 'deep.jsonl');
    writeFileSync(path, `{"problem":"${key}","input":${deepObject(3000)},"expect":{"label":"x"}}\n`);
    const before = await s.counts();
    const run = await runCli(['import', path], { DATABASE_URL: s.db.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${path}:1: input: .*levels deep`));
    expect(await s.counts()).toEqual(before);
  });
});

function modalValues(input: string, format: 'text' | 'json') {
  return {
    input: { value: { type: 'plain_text_input', value: input } },
    input_format: { value: { type: 'static_select', selected_option: { value: format } } },
    expect_kind: { value: { type: 'static_select', selected_option: { value: 'label' } } },
    expect_value: { value: { type: 'plain_text_input', value: 'negative' } },
    polarity: { value: { type: 'radio_buttons', selected_option: { value: 'positive' } } },
    notes: { value: { type: 'plain_text_input', value: null } },
  };
}
