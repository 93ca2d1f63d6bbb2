import { isPlainObject } from '../core/json.ts';
import type { CommonOptions } from './options.ts';
import { toPredictions } from './predictions.ts';
import type { WireProtocol } from './runner.ts';

/** TF Serving REST predict in row format: `{"instances": [...]}` → `{"predictions": [...]}`. */
export function tfservingProtocol(url: string, options: CommonOptions): WireProtocol {
  return {
    maxBatchSize: options.batchSize ?? 32,
    url,
    body: (inputs) => ({ instances: inputs }),
    read(response) {
      if (!isPlainObject(response)) return 'response is not an object';
      if (typeof response['error'] === 'string') return `server error: ${response['error'].slice(0, 200)}`;
      const predictions = response['predictions'];
      if (!Array.isArray(predictions)) return 'no "predictions" array';
      return toPredictions(predictions, options.labels);
    },
  };
}
