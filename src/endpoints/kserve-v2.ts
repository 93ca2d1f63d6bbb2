import type { Prediction } from '../core/expectations/handler.ts';
import { isPlainObject } from '../core/json.ts';
import type { KserveOptions } from './options.ts';
import { argmax, inputText } from './predictions.ts';
import type { WireProtocol } from './runner.ts';

interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

const NUMERIC = /^(FP|INT|UINT)\d+$/;

/**
 * Open Inference Protocol (KServe v2) over REST: one BYTES input tensor of shape [n]. The label comes from a
 * BYTES output, or from the argmax of a numeric [n, k] output named through `labels`.
 */
export function kserveV2Protocol(url: string, options: KserveOptions): WireProtocol {
  return {
    maxBatchSize: options.batchSize ?? 32,
    url,
    body: (inputs) => ({
      inputs: [
        { name: options.inputName, shape: [inputs.length], datatype: 'BYTES', data: inputs.map(inputText) },
      ],
    }),
    read(response, inputs) {
      if (!isPlainObject(response) || !Array.isArray(response['outputs'])) return 'no "outputs" array';
      const tensors: Tensor[] = [];
      for (const o of response['outputs']) {
        const t = toTensor(o);
        if (typeof t === 'string') return t;
        tensors.push(t);
      }
      const n = inputs.length;
      const named = options.outputName ? tensors.find((t) => t.name === options.outputName) : undefined;
      if (options.outputName && !named) return `no output named "${options.outputName}"`;
      const labelTensor = named ?? tensors.find((t) => t.datatype === 'BYTES');
      const scoreTensor = tensors.find((t) => t !== labelTensor && NUMERIC.test(t.datatype));
      const chosen = labelTensor ?? scoreTensor;
      if (!chosen) return 'no BYTES or numeric output';
      if (chosen.shape[0] !== n) return `expected ${n} predictions, got ${chosen.shape[0] ?? 0}`;
      if (chosen.datatype === 'BYTES') {
        const scores = scoreTensor && scoreTensor.shape[0] === n ? rows(scoreTensor) : null;
        return chosen.data.map((label, i) => {
          const p: Prediction = { label: String(label), raw: { label } };
          const row = scores?.[i];
          if (row) {
            p.score = Math.max(...row);
            p.raw = { label, [scoreTensor!.name]: row };
          }
          return p;
        });
      }
      if (!chosen.data.every((d) => typeof d === 'number'))
        return `output "${chosen.name}" has non-numeric data`;
      return rows(chosen).map((row) => {
        if (row.length === 1) return { score: row[0]!, raw: row };
        const i = argmax(row);
        return { label: options.labels?.[i] ?? String(i), score: row[i]!, raw: row };
      });
    },
  };
}

function toTensor(o: unknown): Tensor | string {
  if (!isPlainObject(o)) return 'an output is not an object';
  const { name, datatype, shape, data } = o;
  if (typeof name !== 'string' || typeof datatype !== 'string') return 'an output lacks name or datatype';
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0))
    return `output "${name}" has an invalid shape`;
  if (!Array.isArray(data)) return `output "${name}" has no data array`;
  // The protocol allows nested (row-major) or flat data; flatten to check it against the shape. Flat data
  // (what servers send, and every answer of a one-input request) is used as it is: flat(Infinity) copies.
  const flat = isFlat(data) ? data : (data.flat(Number.POSITIVE_INFINITY) as unknown[]);
  let size = 1;
  for (const d of shape as number[]) size *= d;
  if (flat.length !== size)
    return `output "${name}" has ${flat.length} values for shape [${shape.join(', ')}]`;
  return { name, datatype, shape: shape as number[], data: flat };
}

function isFlat(data: readonly unknown[]): boolean {
  for (let i = 0; i < data.length; i++) if (Array.isArray(data[i])) return false;
  return true;
}

/** [n, k] (or [n]) numeric data as n rows. */
function rows(t: Tensor): number[][] {
  const n = t.shape[0] ?? 0;
  const width = n === 0 ? 0 : t.data.length / n;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(t.data.slice(i * width, (i + 1) * width) as number[]);
  return out;
}
