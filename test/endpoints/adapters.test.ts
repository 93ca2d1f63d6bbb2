import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointConfig } from '../../src/core/model.ts';
import type { EndpointAnswer } from '../../src/endpoints/types.ts';
import { MODELS, type ModelServer, startModelServer } from '../support/model-server.ts';
import { adapterFactory } from './helpers.ts';

let server: ModelServer;
const adapters = adapterFactory();

beforeAll(async () => {
  server = await startModelServer({ port: 0 });
});
afterAll(async () => {
  await adapters.closeAll();
  await server.close();
});

const TEXTS = ["I don't like it", 'not bad', 'this is great', 'awful service', 'ok', 'the sky is blue'];

function labels(answers: EndpointAnswer[]): (string | undefined)[] {
  return answers.map((a) => {
    if (!a.ok) throw new Error(`unexpected error answer: ${a.error}`);
    // The openai adapter answers in text and reads a label only when given labels; label checks read the text.
    return a.prediction.label ?? a.prediction.text;
  });
}

function expected(model: string, texts: string[]): string[] {
  const m = MODELS.get(model)!;
  return texts.map((t) => m.predict(t).label);
}

const configs: Record<string, (model: string) => EndpointConfig> = {
  'kserve-v2': (m) => ({ adapter: 'kserve-v2', url: `${server.url}/v2/models/${m}/infer`, options: {} }),
  tfserving: (m) => ({ adapter: 'tfserving', url: `${server.url}/v1/models/${m}:predict`, options: {} }),
  mlflow: (m) => ({ adapter: 'mlflow', url: `${server.url}/${m}/invocations`, options: {} }),
  openai: (m) => ({ adapter: 'openai', url: `${server.url}/v1`, options: { model: m } }),
  http: (m) => ({ adapter: 'http', url: `${server.url}/http/${m}`, options: { labelPath: '/result/label' } }),
  'http (batch)': (m) => ({
    adapter: 'http',
    url: `${server.url}/http/${m}`,
    options: {
      batch: { bodyTemplate: '{"texts": "{{inputs}}"}', resultsPath: 'results', labelPath: 'label' },
    },
  }),
};

describe.each(Object.entries(configs))('%s adapter against the model server', (_name, config) => {
  it('gives each model its own answers, in input order', async () => {
    const naive = await adapters.make(config('naive')).predict(TEXTS);
    const afinn = await adapters.make(config('afinn')).predict(TEXTS);
    const vader = await adapters.make(config('vader')).predict(TEXTS);
    expect(labels(naive)).toEqual(expected('naive', TEXTS));
    expect(labels(afinn)).toEqual(expected('afinn', TEXTS));
    expect(labels(vader)).toEqual(expected('vader', TEXTS));
    // The negation cases are where the weak model and the real ones part ways.
    expect(labels(naive).slice(0, 2)).toEqual(['positive', 'negative']);
    expect(labels(afinn).slice(0, 2)).toEqual(['negative', 'positive']);
    expect(labels(vader).slice(0, 2)).toEqual(['negative', 'positive']);
    expect(labels(afinn)).not.toEqual(labels(vader)); // "ok": neutral for AFINN, positive for VADER
    for (const a of [...naive, ...afinn, ...vader]) expect(a.attempts).toBe(1);
  });
});

describe('kserve-v2 details', () => {
  it('reads argmax of the FP32 output through labels, keeping the score', async () => {
    const adapter = adapters.make({
      adapter: 'kserve-v2',
      url: `${server.url}/v2/models/afinn/infer`,
      options: { outputName: 'probabilities', labels: ['negative', 'neutral', 'positive'] },
    });
    const answers = await adapter.predict(TEXTS);
    expect(labels(answers)).toEqual(expected('afinn', TEXTS));
    for (const [i, a] of answers.entries()) {
      if (!a.ok) throw new Error(a.error);
      expect(a.prediction.score).toBe(Math.max(...MODELS.get('afinn')!.predict(TEXTS[i]!).probabilities));
    }
  });

  it('sends at most batchSize inputs per request', async () => {
    server.resetStats();
    const adapter = adapters.make({
      adapter: 'kserve-v2',
      url: `${server.url}/v2/models/vader/infer`,
      options: { batchSize: 4 },
    });
    const texts = Array.from({ length: 10 }, (_, i) => `${TEXTS[i % TEXTS.length]} ${i}`);
    const answers = await adapter.predict(texts);
    expect(answers).toHaveLength(10);
    expect(labels(answers)).toEqual(expected('vader', texts));
    expect(server.stats().requests).toBe(3);
    expect(server.stats().inputs).toBe(10);
  });

  it('sends structured inputs as their JSON text', async () => {
    const adapter = adapters.make(configs['kserve-v2']!('afinn'));
    const [answer] = await adapter.predict([{ text: 'terrible' }]);
    expect(answer?.ok && answer.prediction.label).toBe('negative');
  });
});

describe('openai label normalisation', () => {
  it('maps the reply through labelMap and keeps the reply text', async () => {
    const adapter = adapters.make({
      adapter: 'openai',
      url: `${server.url}/v1/chat/completions`,
      options: {
        model: 'vader',
        systemPrompt: 'Answer with one word.',
        labelMap: { positive: 'POS', negative: 'NEG', neutral: 'NEU' },
      },
    });
    const answers = await adapter.predict(['I love it', 'I hate it']);
    expect(answers.map((a) => a.ok && [a.prediction.label, a.prediction.text])).toEqual([
      ['POS', 'positive'],
      ['NEG', 'negative'],
    ]);
  });
});

describe('http details', () => {
  it('reads {label, score} from the result without a labelPath', async () => {
    const adapter = adapters.make({ adapter: 'http', url: `${server.url}/http/afinn`, options: {} });
    const [answer] = await adapter.predict(['this is great']);
    if (!answer?.ok) throw new Error('expected an answer');
    expect(answer.prediction.label).toBe('positive');
    expect(answer.prediction.score).toBe(MODELS.get('afinn')!.predict('this is great').score);
  });

  it('batches with the batch template', async () => {
    server.resetStats();
    const adapter = adapters.make({
      adapter: 'http',
      url: `${server.url}/http/naive`,
      options: { batchSize: 5, batch: { bodyTemplate: { texts: '{{inputs}}' }, resultsPath: '/results' } },
    });
    const texts = Array.from({ length: 12 }, (_, i) => TEXTS[i % TEXTS.length]!);
    expect(labels(await adapter.predict(texts))).toEqual(expected('naive', texts));
    expect(server.stats().requests).toBe(3);
  });
});

describe('concurrency', () => {
  it('never has more than `concurrency` requests in flight', async () => {
    const slow = await startModelServer({ port: 0, latencyMs: 20 });
    try {
      const adapter = adapters.make({
        adapter: 'tfserving',
        url: `${slow.url}/v1/models/afinn:predict`,
        options: { batchSize: 1, concurrency: 3 },
      });
      const answers = await adapter.predict(Array.from({ length: 15 }, (_, i) => `text ${i}`));
      expect(answers.every((a) => a.ok)).toBe(true);
      expect(slow.stats().requests).toBe(15);
      expect(slow.stats().maxInFlight).toBe(3);
    } finally {
      await slow.close();
    }
  });

  it('splits a large evaluation across the concurrency limit', async () => {
    server.resetStats();
    const adapter = adapters.make({
      adapter: 'mlflow',
      url: `${server.url}/afinn/invocations`,
      options: { batchSize: 10, concurrency: 8 },
    });
    const texts = Array.from({ length: 500 }, (_, i) => `${TEXTS[i % TEXTS.length]} number ${i}`);
    expect(labels(await adapter.predict(texts))).toEqual(expected('afinn', texts));
    expect(server.stats().requests).toBe(50);
    expect(server.stats().maxInFlight).toBeLessThanOrEqual(8);
  });
});
