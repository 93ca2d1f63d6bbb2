import type { Prediction, TokenUsage } from '../core/expectations/handler.ts';
import { isPlainObject } from '../core/json.ts';
import type { OpenaiOptions } from './options.ts';
import { inputText } from './predictions.ts';
import type { WireProtocol } from './runner.ts';

/**
 * OpenAI-compatible chat completions, one request per input. `url` is the API base (…/v1) or the full
 * …/chat/completions URL. The reply is the output (text); only given `labels` or `labelMap` is a label read
 * from it. Label expectations without them compare the trimmed text.
 */
export function openaiProtocol(url: string, options: OpenaiOptions): WireProtocol {
  const target = /\/chat\/completions\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/chat/completions`;
  const findLabel = options.labels || options.labelMap ? labelFinder(options) : undefined;
  return {
    maxBatchSize: 1,
    url: target,
    body: (inputs) => ({
      model: options.model,
      temperature: options.temperature,
      messages: [
        ...(options.systemPrompt ? [{ role: 'system', content: options.systemPrompt }] : []),
        { role: 'user', content: inputText(inputs[0] ?? '') },
      ],
    }),
    read(response) {
      if (!isPlainObject(response) || !Array.isArray(response['choices'])) return 'no "choices" array';
      const choice = response['choices'][0];
      const message = isPlainObject(choice) ? choice['message'] : undefined;
      const content = isPlainObject(message) ? message['content'] : undefined;
      if (typeof content !== 'string') return 'first choice has no message content';
      const prediction: Prediction = { text: content, raw: response };
      const label = findLabel?.(content);
      if (label !== undefined) prediction.label = label;
      const usage = readUsage(response['usage']);
      if (usage) prediction.usage = usage;
      return [prediction];
    },
  };
}

/**
 * Without labels the trimmed reply is the label. With them, the label is the one whose word (or labelMap
 * key) appears first in the reply, case-insensitively: "Positive, mostly." → positive.
 */
export function labelFinder(
  options: Pick<OpenaiOptions, 'labels' | 'labelMap'>,
): (reply: string) => string | undefined {
  const vocabulary = new Map<string, string>();
  for (const l of options.labels ?? []) vocabulary.set(l.toLowerCase(), l);
  for (const [word, label] of Object.entries(options.labelMap ?? {}))
    vocabulary.set(word.toLowerCase(), label);
  if (vocabulary.size === 0) return (reply) => reply.trim();
  const matchers = [...vocabulary].map(([word, label]) => ({
    label,
    pattern: new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'iu'),
  }));
  return (reply) => {
    let best: { label: string; index: number } | undefined;
    for (const { label, pattern } of matchers) {
      const index = reply.search(pattern);
      if (index >= 0 && (best === undefined || index < best.index)) best = { label, index };
    }
    return best?.label;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** OpenAI `usage`; servers that omit it or send nonsense get no token counts rather than wrong ones. */
export function readUsage(usage: unknown): TokenUsage | undefined {
  if (!isPlainObject(usage)) return undefined;
  const prompt = usage['prompt_tokens'];
  const completion = usage['completion_tokens'] ?? 0;
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!count(prompt) || !count(completion)) return undefined;
  return { promptTokens: prompt, completionTokens: completion };
}
