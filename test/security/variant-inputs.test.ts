import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_VARIANTS } from '../../src/core/pattern.ts';
import { runCli } from '../cli/run-cli.ts';
import { MAX_INPUT_BYTES, type Stack, startStack, USER } from './stack.ts';

/**
 * `invariant` variants are inputs too: each is sent to every model, so they get the input's checks plus
 * a count and a total cap; and anywhere a user supplies JSON, broken Unicode or deep nesting is a 400.
 */
let s: Stack;
let key: string;
const dir = mkdtempSync(join(tmpdir(), 'canary-variants-'));

beforeAll(async () => {
  s = await startStack({ allowlist: ['127.0.0.1'] });
  key = (
    (await s.call('POST', '/api/v1/problems', JSON.stringify({ title: 'Variants' }))).json as { key: string }
  ).key;
});
afterAll(async () => {
  await s?.close();
});

const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const pattern = (expect: string, input = '"fine"') =>
  `{"problem":"${key}","input":${input},"expect":${expect}}`;

describe('variants over REST', () => {
  it.each<[string, string, RegExp]>([
    [
      'too many variants',
      JSON.stringify({ invariant: Array.from({ length: MAX_VARIANTS + 1 }, (_, i) => `v${i}`) }),
      /lists 51 variants; the limit is 50/,
    ],
    [
      'an oversized variant',
      JSON.stringify({ invariant: ['ok', 'é'.repeat(MAX_INPUT_BYTES)] }),
      /variant 2: The input is \d+ bytes; the limit is 2048/,
    ],
    [
      'variants too large together',
      JSON.stringify({ invariant: Array.from({ length: 10 }, () => 'x'.repeat(MAX_INPUT_BYTES - 10)) }),
      /variants are \d+ bytes together; the limit is 8192 bytes/,
    ],
    ['a deep variant', `{"invariant":["ok",${deep(3_000)}]}`, /variant 2: .*levels deep/],
    ['a NUL in a variant', '{"invariant":["ok","a\\u0000b"]}', /NUL character/],
    ['a lone surrogate in a variant', '{"invariant":["ok","a\\ud800b"]}', /unpaired UTF-16 surrogate/],
  ])('%s is a 400 and writes nothing', async (_name, expectation, message) => {
    const before = await s.counts();
    const res = await s.call('POST', '/api/v1/patterns', pattern(expectation));
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    expect((res.json as { error: { message: string } }).error.message).toMatch(message);
    expect(await s.counts()).toEqual(before);
  });

  it.each<[string, string]>([
    ['a lone high surrogate in the input', '"caf\\ud83d"'],
    ['a lone low surrogate in an input key', '{"t\\udc00":"x"}'],
  ])('%s is a 400, not a 500 from the insert', async (_name, input) => {
    const before = await s.counts();
    const res = await s.call('POST', '/api/v1/patterns', pattern('{"label":"x"}', input));
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    expect((res.json as { error: { message: string } }).error.message).toMatch(/unpaired UTF-16 surrogate/);
    expect(await s.counts()).toEqual(before);
  });
});

describe('model JSON over REST: bodyTemplate and metrics', () => {
  const model = (endpointExtra: string, topExtra = '') =>
    `{"name":"m","version":"v${Math.random().toString(36).slice(2, 7)}","endpoint":{"adapter":"http","url":"http://127.0.0.1:9/p"${endpointExtra}}${topExtra}}`;
  it.each<[string, string, RegExp]>([
    ['a deep bodyTemplate', model(`,"options":{"bodyTemplate":${deep(5_000)}}`), /levels deep/],
    [
      'a surrogate in bodyTemplate',
      model(',"options":{"bodyTemplate":{"t":"\\udfff{{input}}"}}'),
      /surrogate/,
    ],
    ['a surrogate in a metric name', model('', ',"metrics":{"auc\\ud800":0.9}'), /surrogate/],
    ['deep metrics', model('', `,"metrics":${deep(5_000)}`), /levels deep|expected number/],
  ])('%s is a 400', async (_name, body, message) => {
    const before = await s.counts();
    const res = await s.call('POST', '/api/v1/models', body);
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    expect((res.json as { error: { message: string } }).error.message).toMatch(message);
    expect(await s.counts()).toEqual(before);
  });
});

describe('variants from the CLI and Slack', () => {
  it('canary import refuses a row with too many variants by line number and imports nothing', async () => {
    const path = join(dir, 'variants.jsonl');
    const many = JSON.stringify({ invariant: Array.from({ length: 60 }, (_, i) => `v${i}`) });
    writeFileSync(
      path,
      `${pattern('{"label":"x"}')}\n${pattern(many)}\n${pattern('{"invariant":["a\\ud800"]}')}\n`,
    );
    const before = await s.counts();
    const run = await runCli(['import', path], { DATABASE_URL: s.db.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${path}:2: expect: .*lists 60 variants; the limit is 50`));
    expect(await s.counts()).toEqual(before);
  });

  it('the Slack modal answers a too-long variant list with a field error', async () => {
    const before = await s.counts();
    s.slackApi.reset();
    await s.command(USER, '/pattern', `add ${key}`);
    const view = await s.slackApi.waitFor(() =>
      s.slackApi.views.find((v) => v.view.callback_id === 'pattern_add'),
    );
    const variants = `invariant:${Array.from({ length: 51 }, (_, i) => `v${i}`).join(' | ')}`;
    const res = await s.submitView(view.id, USER, {
      input: { value: { type: 'plain_text_input', value: 'fine' } },
      input_format: { value: { type: 'static_select', selected_option: { value: 'text' } } },
      expect_kind: { value: { type: 'static_select', selected_option: { value: 'shorthand' } } },
      expect_value: { value: { type: 'plain_text_input', value: variants } },
      polarity: { value: { type: 'radio_buttons', selected_option: { value: 'positive' } } },
      notes: { value: { type: 'plain_text_input', value: null } },
    });
    expect(JSON.stringify(res.body)).toMatch(/lists 51 variants; the limit is 50/);
    expect(await s.counts()).toEqual(before);
    expect(s.errorLogs()).toEqual([]);
  });
});
