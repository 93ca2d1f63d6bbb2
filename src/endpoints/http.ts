import type { Prediction } from '../core/expectations/handler.ts';
import { isPlainObject } from '../core/json.ts';
import type { PatternInput } from '../core/pattern.ts';
import type { HttpOptions } from './options.ts';
import { describeValue, readPath, toPrediction } from './predictions.ts';
import type { WireProtocol } from './runner.ts';

/**
 * Any JSON API. The body is a template in which the string "{{input}}" (or "{{inputs}}" in batch mode) is
 * replaced: a value that is exactly the placeholder becomes the input itself (string or object), a longer
 * string gets the input's text spliced in. The label is read at `labelPath`, generated text at `textPath`; without either, the whole
 * answer (or `result`) is read as a label, score or `{label, score}`.
 */
export function httpProtocol(url: string, options: HttpOptions): WireProtocol {
  const batch = options.batch;
  if (batch) {
    const template = parseTemplate(batch.bodyTemplate);
    return {
      maxBatchSize: options.batchSize ?? 32,
      url,
      body: (inputs) => fill(template, '{{inputs}}', inputs),
      read(response) {
        const results = readPath(response, batch.resultsPath);
        if (!Array.isArray(results)) return `no array at ${batch.resultsPath}`;
        const out: Prediction[] = [];
        for (const [i, r] of results.entries()) {
          const p = readOne(r, batch.labelPath, batch.scorePath, options.labels, batch.textPath);
          if (typeof p === 'string') return `result ${i}: ${p}`;
          out.push(p);
        }
        return out;
      },
    };
  }
  const template = parseTemplate(options.bodyTemplate);
  return {
    maxBatchSize: 1,
    url,
    body: (inputs) => fill(template, '{{input}}', inputs[0] ?? ''),
    read(response) {
      const p = readOne(response, options.labelPath, options.scorePath, options.labels, options.textPath);
      return typeof p === 'string' ? p : [p];
    },
  };
}

function parseTemplate(template: unknown): unknown {
  return typeof template === 'string' ? JSON.parse(template) : template;
}

function fill(
  template: unknown,
  placeholder: string,
  value: PatternInput | readonly PatternInput[],
): unknown {
  if (typeof template === 'string') {
    if (template === placeholder) return value;
    if (!template.includes(placeholder)) return template;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return template.split(placeholder).join(text);
  }
  if (Array.isArray(template)) return template.map((t) => fill(t, placeholder, value));
  if (isPlainObject(template))
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, placeholder, value)]));
  return template;
}

function readOne(
  response: unknown,
  labelPath: string | undefined,
  scorePath: string | undefined,
  labels: readonly string[] | undefined,
  textPath?: string,
): Prediction | string {
  if (labelPath === undefined && scorePath === undefined && textPath === undefined) {
    const target = isPlainObject(response) && 'result' in response ? response['result'] : response;
    return toPrediction(target, labels);
  }
  const prediction: Prediction = { raw: response };
  if (labelPath !== undefined) {
    const label = readPath(response, labelPath);
    if (typeof label !== 'string') return `expected a string at ${labelPath}, found ${describeValue(label)}`;
    prediction.label = label;
  }
  if (scorePath !== undefined) {
    const score = readPath(response, scorePath);
    if (typeof score !== 'number') return `expected a number at ${scorePath}, found ${describeValue(score)}`;
    prediction.score = score;
  }
  if (textPath !== undefined) {
    const text = readPath(response, textPath);
    if (typeof text !== 'string') return `expected text at ${textPath}, found ${describeValue(text)}`;
    prediction.text = text;
  }
  return prediction;
}
