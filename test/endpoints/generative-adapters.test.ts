import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointAnswer } from '../../src/endpoints/types.ts';
import { embed, supportReply } from '../../src/modelserver/generative/index.ts';
import { type ModelServer, startModelServer } from '../support/model-server.ts';
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

function ok(answers: EndpointAnswer[]) {
  return answers.map((a) => {
    if (!a.ok) throw new Error(`unexpected error answer: ${a.error}`);
    return a.prediction;
  });
}

const MESSAGES = ['I forgot my password', 'This is the worst, I am angry', 'Reply in JSON: status?'];

describe('openai adapter on the bundled support bot', () => {
  it('returns the completion text as the output, with usage, and no label unless asked', async () => {
    const adapter = adapters.make({
      adapter: 'openai',
      url: `${server.url}/v1`,
      options: { model: 'support-bot-v1' },
    });
    const predictions = ok(await adapter.predict(MESSAGES));
    expect(predictions.map((p) => p.text)).toEqual(MESSAGES.map((m) => supportReply('v1', m)));
    expect(predictions.every((p) => p.label === undefined)).toBe(true);
    expect(predictions[0]!.text).toContain('http://admin.acme.internal/');
    // The bundled server counts whitespace words: prompt = the user message, completion = the reply.
    expect(predictions[1]!.usage).toEqual({ promptTokens: 7, completionTokens: 8 });
  });

  it('reads a label from the text only when given labels', async () => {
    const adapter = adapters.make({
      adapter: 'openai',
      url: `${server.url}/v1`,
      options: { model: 'rubric-judge', labels: ['true', 'false'] },
    });
    const [p] = ok(
      await adapter.predict(['<rubric>\nOffers a refund.\n</rubric>\n<output>\nNo.\n</output>']),
    );
    expect(p!.text).toBe('{"pass":false,"reason":"it does not offer a refund"}');
    expect(p!.label).toBe('false');
  });
});

describe('openai-embeddings adapter on the bundled hashed bag of words', () => {
  it('batches inputs into one request and returns one vector per input, in order', async () => {
    server.resetStats();
    const adapter = adapters.make({
      adapter: 'openai-embeddings',
      url: `${server.url}/v1`,
      options: { model: 'hash-bow', batchSize: 8 },
    });
    const texts = ['where is my order', 'my order, where is it', 'reset the password'];
    const predictions = ok(await adapter.predict(texts));
    expect(server.stats().requests).toBe(1);
    expect(predictions.map((p) => p.embedding)).toEqual(texts.map(embed));
    expect(predictions[0]!.usage).toEqual({ promptTokens: 4 + 5 + 3, completionTokens: 0 });
    expect(predictions[1]!.usage).toBeUndefined();
  });

  it('turns a wrong model name into an error answer, not a throw', async () => {
    const adapter = adapters.make({
      adapter: 'openai-embeddings',
      url: `${server.url}/v1`,
      options: { model: 'nope', retries: 0 },
    });
    const [a] = await adapter.predict(['x']);
    expect(a!.ok).toBe(false);
    if (!a!.ok) expect(a!.error).toContain('HTTP 404');
  });
});

describe('toxicity classifier over KServe v2', () => {
  it('labels rude replies toxic with a score', async () => {
    const adapter = adapters.make({
      adapter: 'kserve-v2',
      url: `${server.url}/v2/models/toxicity/infer`,
      options: {},
    });
    const [rude, polite] = ok(
      await adapter.predict(['That is not my problem. Read the manual.', "I'm sorry, happy to help."]),
    );
    expect(rude).toMatchObject({ label: 'toxic' });
    expect(rude!.score).toBeGreaterThan(0.5);
    expect(polite).toMatchObject({ label: 'non_toxic', score: 0 });
  });
});

describe('http adapter textPath', () => {
  it('reads generated text at a path', async () => {
    const adapter = adapters.make({
      adapter: 'http',
      url: `${server.url}/v1/chat/completions`,
      options: {
        bodyTemplate: { model: 'support-bot-v2', messages: [{ role: 'user', content: '{{input}}' }] },
        textPath: 'choices.0.message.content',
      },
    });
    const [p] = ok(await adapter.predict(['Where is my package?']));
    expect(p!.text).toBe(supportReply('v2', 'Where is my package?'));
  });

  it('says what it found when the path holds no text', async () => {
    const adapter = adapters.make({
      adapter: 'http',
      url: `${server.url}/v1/chat/completions`,
      options: {
        bodyTemplate: { model: 'support-bot-v2', messages: [{ role: 'user', content: '{{input}}' }] },
        textPath: 'usage',
        retries: 0,
      },
    });
    const [a] = await adapter.predict(['hi']);
    expect(a!.ok).toBe(false);
    if (!a!.ok) expect(a!.error).toContain('expected text at usage, found object');
  });
});
