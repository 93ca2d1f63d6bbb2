import { kserveV2, openaiChat } from '../protocols.ts';
import { EMBEDDING_DIMENSIONS, embed } from './embeddings.ts';
import { judgeReply } from './judge.ts';
import { wordCount } from './lexicon.ts';
import { BOT_VERSIONS, type BotVersion, supportReply } from './support-bot.ts';
import { classifyToxicity } from './toxicity.ts';

export { embed } from './embeddings.ts';
export { judgeReply } from './judge.ts';
export { BOT_VERSIONS, intentOf, leaksInternalUrl, supportReply } from './support-bot.ts';
export { classifyToxicity } from './toxicity.ts';

/** Model names the bundled server answers generatively, beside the sentiment models. */
export const GENERATIVE_MODELS = {
  chat: [...BOT_VERSIONS.map((v) => `support-bot-${v}`), 'rubric-judge'],
  kserve: ['toxicity'],
  embeddings: ['hash-bow'],
} as const;

export interface GenerativeAnswer {
  model: string;
  status: number;
  body: unknown;
  inputs: number;
}

const EMBEDDINGS_PATH = '/v1/embeddings';
const TOXICITY_PATH = /^\/v2\/models\/toxicity(?:\/versions\/[^/]+)?\/infer$/;

export function isGenerativePath(path: string): boolean {
  return path === EMBEDDINGS_PATH || TOXICITY_PATH.test(path);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Answers a request for one of the generative models, or undefined when the request is for a sentiment model.
 * Every answer reports `usage` in whitespace words, so token and cost accounting can be asserted exactly.
 */
export function answerGenerative(path: string, body: unknown): GenerativeAnswer | undefined {
  const model = isObject(body) && typeof body['model'] === 'string' ? body['model'] : '';
  if (path === '/v1/chat/completions' && (GENERATIVE_MODELS.chat as readonly string[]).includes(model))
    return chat(model, body);
  if (path === EMBEDDINGS_PATH) return embeddings(model, body);
  if (TOXICITY_PATH.test(path)) return toxicity(body);
  return undefined;
}

function chat(model: string, body: unknown): GenerativeAnswer {
  const texts = openaiChat.texts(body);
  if (typeof texts === 'string') return { model, status: 400, body: { error: texts }, inputs: 0 };
  const message = texts[0] ?? '';
  const reply =
    model === 'rubric-judge' ? judgeReply(message) : supportReply(model.slice(-2) as BotVersion, message);
  const messages = isObject(body) && Array.isArray(body['messages']) ? body['messages'] : [];
  const promptTokens = messages.reduce(
    (n: number, m) => n + (isObject(m) && typeof m['content'] === 'string' ? wordCount(m['content']) : 0),
    0,
  );
  const completionTokens = wordCount(reply);
  return {
    model,
    status: 200,
    inputs: 1,
    body: {
      id: `chatcmpl-${model}`,
      object: 'chat.completion',
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    },
  };
}

function embeddings(model: string, body: unknown): GenerativeAnswer {
  if (!(GENERATIVE_MODELS.embeddings as readonly string[]).includes(model))
    return {
      model,
      status: 404,
      body: { error: `embeddings model "${model}" not found; have hash-bow` },
      inputs: 0,
    };
  const input = isObject(body) ? body['input'] : undefined;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input : null;
  if (!texts?.every((t) => typeof t === 'string'))
    return {
      model,
      status: 400,
      body: { error: '"input" must be a string or an array of strings' },
      inputs: 0,
    };
  const tokens = texts.reduce((n, t) => n + wordCount(t), 0);
  return {
    model,
    status: 200,
    inputs: texts.length,
    body: {
      object: 'list',
      model,
      data: texts.map((t, index) => ({ object: 'embedding', index, embedding: embed(t) })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
      dimensions: EMBEDDING_DIMENSIONS,
    },
  };
}

function toxicity(body: unknown): GenerativeAnswer {
  const texts = kserveV2.texts(body);
  if (typeof texts === 'string') return { model: 'toxicity', status: 400, body: { error: texts }, inputs: 0 };
  const results = texts.map(classifyToxicity);
  return {
    model: 'toxicity',
    status: 200,
    inputs: texts.length,
    body: {
      model_name: 'toxicity',
      model_version: '1',
      outputs: [
        { name: 'label', shape: [results.length], datatype: 'BYTES', data: results.map((r) => r.label) },
        { name: 'toxicity', shape: [results.length, 1], datatype: 'FP32', data: results.map((r) => r.score) },
      ],
    },
  };
}
