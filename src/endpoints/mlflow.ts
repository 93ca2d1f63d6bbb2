import { isPlainObject } from '../core/json.ts';
import type { CommonOptions } from './options.ts';
import { toPredictions } from './predictions.ts';
import type { WireProtocol } from './runner.ts';

/** MLflow scoring server: `{"inputs": [...]}` → `{"predictions": [...]}` (older servers: a bare list). */
export function mlflowProtocol(url: string, options: CommonOptions): WireProtocol {
  return {
    maxBatchSize: options.batchSize ?? 32,
    url,
    body: (inputs) => ({ inputs }),
    read(response) {
      const predictions = Array.isArray(response)
        ? response
        : isPlainObject(response)
          ? response['predictions']
          : undefined;
      if (!Array.isArray(predictions)) return 'neither a "predictions" array nor a bare list';
      return toPredictions(predictions, options.labels);
    },
  };
}
