import { describe, expect, it } from 'vitest';
import { parseEndpointConfig } from '../../src/endpoints/options.ts';

describe('parseEndpointConfig', () => {
  it('fills in the shared defaults', () => {
    const result = parseEndpointConfig({ adapter: 'kserve-v2', url: 'http://m:8080/v2/models/a/infer' });
    expect(result).toEqual({
      ok: true,
      value: {
        adapter: 'kserve-v2',
        url: 'http://m:8080/v2/models/a/infer',
        options: {
          concurrency: 32,
          timeoutMs: 10_000,
          retries: 3,
          backoffMs: 100,
          headersFromEnv: {},
          inputName: 'text',
        },
      },
    });
  });

  it('keeps adapter-specific options', () => {
    const result = parseEndpointConfig({
      adapter: 'openai',
      url: 'https://api.example.com/v1',
      options: {
        model: 'gpt-x',
        labels: ['positive', 'negative'],
        headersFromEnv: { Authorization: 'OPENAI_KEY' },
      },
    });
    expect(result.ok && result.value.options).toMatchObject({
      model: 'gpt-x',
      temperature: 0,
      labels: ['positive', 'negative'],
      headersFromEnv: { Authorization: 'OPENAI_KEY' },
    });
  });

  it.each([
    [{ adapter: 'grpc', url: 'http://x' }, /adapter/],
    [{ adapter: 'http', url: 'ftp://x/y' }, /url: must be an http\(s\) URL/],
    [{ adapter: 'http', url: 'http://x', options: { batchSize: 0 } }, /batchSize/],
    [{ adapter: 'http', url: 'http://x', options: { concurrency: 1.5 } }, /concurrency/],
    [{ adapter: 'http', url: 'http://x', options: { retries: -1 } }, /retries/],
    [{ adapter: 'http', url: 'http://x', options: { labelPth: '/a' } }, /labelPth/],
    [
      { adapter: 'http', url: 'http://x', options: { bodyTemplate: '{not json' } },
      /bodyTemplate: must be JSON/,
    ],
    [{ adapter: 'http', url: 'http://x', options: { batch: { bodyTemplate: {} } } }, /batch.resultsPath/],
    [{ adapter: 'openai', url: 'http://x' }, /model/],
    [{ adapter: 'tfserving', url: 'http://x', options: { inputName: 'a' } }, /inputName/],
    [{ adapter: 'mlflow', url: 'http://x', options: { headers: { Authorization: 'x' } } }, /headers/],
  ])('refuses %j', (raw, reason) => {
    const result = parseEndpointConfig(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
  });

  it('refuses a secret written where an env var name belongs, without echoing it', () => {
    const secret = 'Bearer sk-live-123';
    const result = parseEndpointConfig({
      adapter: 'http',
      url: 'http://x',
      options: { headersFromEnv: { Authorization: secret } },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(/NAME of an environment variable/);
      expect(result.error).not.toContain('sk-live');
    }
  });
});

describe('parseEndpointConfig: options written beside adapter and url', () => {
  it('nests them under options, as the REST API and CLI send them', () => {
    const parsed = parseEndpointConfig({
      adapter: 'kserve-v2',
      url: 'http://m:8080/v2/models/x/infer',
      batchSize: 64,
    });
    expect(parsed.ok && parsed.value.options.batchSize).toBe(64);
  });

  it('refuses an option given both ways, and misspelled options', () => {
    const both = parseEndpointConfig({
      adapter: 'kserve-v2',
      url: 'http://m:8080/v2/models/x/infer',
      batchSize: 64,
      options: { batchSize: 8 },
    });
    expect(both.ok).toBe(false);
    const typo = parseEndpointConfig({
      adapter: 'kserve-v2',
      url: 'http://m:8080/v2/models/x/infer',
      batchsize: 64,
    });
    expect(typo.ok).toBe(false);
    expect(!typo.ok && typo.error).toMatch(/batchsize/);
  });
});

describe('parseEndpointConfig: secrets by name only', () => {
  it.each(['sk_live_abc123', 'Bearer abc', 'model-token'])(
    'refuses %j as an environment variable name',
    (value) => {
      const parsed = parseEndpointConfig({
        adapter: 'http',
        url: 'http://m:8080/predict',
        headersFromEnv: { Authorization: value },
      });
      expect(parsed.ok).toBe(false);
      expect(!parsed.ok && parsed.error).not.toContain(value);
    },
  );
});
