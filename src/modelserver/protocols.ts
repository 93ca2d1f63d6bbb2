import { MODELS, SENTIMENT_LABELS, type SentimentModel, type SentimentResult } from './models.ts';

/**
 * One serving protocol: pull the texts out of a request, and render results back. Kept apart so the
 * server can apply faults (such as "one prediction short") the same way for every protocol.
 */
export interface Protocol {
  readonly name: string;
  /** Texts to score, or a sentence saying why the request is bad (→ 400). */
  texts(body: unknown): string[] | string;
  render(model: SentimentModel, results: SentimentResult[], request: unknown): unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structured inputs are scored on their `text` field when they have one, else on their JSON. */
function textOf(item: unknown): string {
  if (typeof item === 'string') return item;
  if (isObject(item) && typeof item['text'] === 'string') return item['text'];
  return JSON.stringify(item);
}

function listField(body: unknown, field: string): string[] | string {
  if (!isObject(body) || !Array.isArray(body[field])) return `body must be an object with a "${field}" array`;
  return body[field].map(textOf);
}

function flatten(data: unknown[]): unknown[] {
  return data.flatMap((d) => (Array.isArray(d) ? flatten(d) : [d]));
}

/** KServe v2 / Open Inference Protocol REST. */
export const kserveV2: Protocol = {
  name: 'kserve-v2',
  texts(body) {
    if (!isObject(body) || !Array.isArray(body['inputs']) || body['inputs'].length === 0)
      return 'body must have a non-empty "inputs" array';
    const inputs = body['inputs'].filter(isObject);
    const input = inputs.find((i) => i['name'] === 'text') ?? inputs.find((i) => i['datatype'] === 'BYTES');
    if (!input) return 'no BYTES input tensor (expected one named "text")';
    if (!Array.isArray(input['data'])) return `input "${String(input['name'])}" has no data array`;
    const data = flatten(input['data']);
    const shape = input['shape'];
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isInteger(d)) ||
      shape.reduce((a: number, b: number) => a * b, 1) !== data.length
    )
      return `shape ${JSON.stringify(shape)} does not match ${data.length} data elements`;
    return data.map(textOf);
  },
  render(model, results, request) {
    const id = isObject(request) && typeof request['id'] === 'string' ? { id: request['id'] } : {};
    return {
      model_name: model.name,
      model_version: '1',
      ...id,
      outputs: [
        { name: 'label', shape: [results.length], datatype: 'BYTES', data: results.map((r) => r.label) },
        {
          name: 'probabilities',
          shape: [results.length, SENTIMENT_LABELS.length],
          datatype: 'FP32',
          data: results.flatMap((r) => r.probabilities),
          parameters: { labels: SENTIMENT_LABELS.join(',') },
        },
      ],
    };
  },
};

/** TF Serving REST predict, row ("instances") format. */
const tfServing: Protocol = {
  name: 'tfserving',
  texts: (body) => listField(body, 'instances'),
  render: (_model, results) => ({ predictions: results.map((r) => ({ label: r.label, score: r.score })) }),
};

/** MLflow scoring server, tensor ("inputs") format. */
const mlflow: Protocol = {
  name: 'mlflow',
  texts: (body) => listField(body, 'inputs'),
  render: (_model, results) => ({ predictions: results.map((r) => r.label) }),
};

/** A home-grown JSON API: one `{text}` or a batch of `{texts}`. */
const genericHttp: Protocol = {
  name: 'http',
  texts(body) {
    if (isObject(body) && typeof body['text'] === 'string') return [body['text']];
    if (isObject(body) && Array.isArray(body['texts'])) return body['texts'].map(textOf);
    return 'body must be {"text": "…"} or {"texts": ["…"]}';
  },
  render(_model, results, request) {
    const one = (r: SentimentResult) => ({ label: r.label, score: r.score });
    if (isObject(request) && Array.isArray(request['texts'])) return { results: results.map(one) };
    const first = results[0];
    return first ? { result: one(first) } : {};
  },
};

/** OpenAI-compatible chat completions: the last user message is scored, the label is the reply. */
export const openaiChat: Protocol = {
  name: 'openai',
  texts(body) {
    if (!isObject(body) || !Array.isArray(body['messages'])) return 'body must have a "messages" array';
    const user = body['messages'].filter((m) => isObject(m) && m['role'] === 'user').at(-1);
    if (!isObject(user)) return 'no user message';
    const content = user['content'];
    if (typeof content === 'string') return [content];
    if (Array.isArray(content))
      return [
        content
          .filter((p) => isObject(p) && p['type'] === 'text' && typeof p['text'] === 'string')
          .map((p) => (p as { text: string }).text)
          .join('\n'),
      ];
    return 'user message content must be a string or text parts';
  },
  render(model, results) {
    return {
      id: `chatcmpl-${Math.random().toString(36).slice(2, 12)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: model.name,
      choices: results.map((r, index) => ({
        index,
        message: { role: 'assistant', content: r.label },
        finish_reason: 'stop',
      })),
      usage: { prompt_tokens: 0, completion_tokens: results.length, total_tokens: results.length },
    };
  },
};

export interface RouteMatch {
  protocol: Protocol;
  model: string;
}

const INFER_ROUTES: [RegExp, Protocol][] = [
  [/^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?\/infer$/, kserveV2],
  [/^\/v1\/models\/([^/:]+)(?:\/versions\/[^/:]+)?:predict$/, tfServing],
  [/^\/http\/([^/]+)$/, genericHttp],
  [/^\/([^/]+)\/invocations$/, mlflow],
];

/** Inference routes carry the model in the path, except chat completions where it is in the body. */
export function matchInferRoute(path: string): RouteMatch | { protocol: Protocol; model: null } | null {
  if (path === '/v1/chat/completions') return { protocol: openaiChat, model: null };
  for (const [pattern, protocol] of INFER_ROUTES) {
    const m = pattern.exec(path);
    if (m?.[1]) return { protocol, model: decodeURIComponent(m[1]) };
  }
  return null;
}

export function findModel(name: string): SentimentModel | undefined {
  return MODELS.get(name);
}

export function modelMetadata(model: SentimentModel): unknown {
  return {
    name: model.name,
    versions: ['1'],
    platform: 'canary-modelserver',
    inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
    outputs: [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, SENTIMENT_LABELS.length] },
    ],
  };
}
