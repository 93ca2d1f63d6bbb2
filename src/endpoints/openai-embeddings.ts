import type { Prediction } from '../core/expectations/handler.ts';
import { isPlainObject } from '../core/json.ts';
import { readUsage } from './openai.ts';
import type { OpenaiEmbeddingsOptions } from './options.ts';
import { inputText } from './predictions.ts';
import type { WireProtocol } from './runner.ts';

/**
 * OpenAI-compatible embeddings (`POST …/v1/embeddings`), batched: `input` takes an array and `data[i].index`
 * says which input each vector belongs to. Usage is per request, so it is put on the batch's first answer.
 */
export function openaiEmbeddingsProtocol(url: string, options: OpenaiEmbeddingsOptions): WireProtocol {
  const target = /\/embeddings\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/embeddings`;
  return {
    maxBatchSize: options.batchSize ?? 32,
    url: target,
    body: (inputs) => ({ model: options.model, input: inputs.map(inputText) }),
    read(response, inputs) {
      if (!isPlainObject(response) || !Array.isArray(response['data'])) return 'no "data" array';
      const vectors: (number[] | undefined)[] = new Array(inputs.length).fill(undefined);
      for (const [i, item] of response['data'].entries()) {
        if (!isPlainObject(item)) return `data[${i}] is not an object`;
        const index = typeof item['index'] === 'number' ? item['index'] : i;
        const embedding = item['embedding'];
        if (!Array.isArray(embedding) || !embedding.every((x) => typeof x === 'number' && Number.isFinite(x)))
          return `data[${i}] has no numeric "embedding"`;
        if (!Number.isInteger(index) || index < 0 || index >= inputs.length)
          return `data[${i}] has index ${index}`;
        vectors[index] = embedding as number[];
      }
      const missing = vectors.indexOf(undefined);
      if (missing >= 0) return `no embedding for input ${missing}`;
      const usage = readUsage(response['usage']);
      return vectors.map((embedding, i) => {
        const p: Prediction = { embedding: embedding as number[], raw: null };
        if (i === 0 && usage) p.usage = usage;
        return p;
      });
    },
  };
}
