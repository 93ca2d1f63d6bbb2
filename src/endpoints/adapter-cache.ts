import type { Model } from '../core/model.ts';
import { createAdapter } from './index.ts';
import type { EndpointAdapter } from './types.ts';

/**
 * One adapter per model per worker process, so the adapter's concurrency limit holds across the batches
 * of that model this process runs at once. A changed endpoint config gets a fresh adapter.
 */
export interface AdapterCache {
  get(model: Model): EndpointAdapter;
  closeAll(): Promise<void>;
}

export interface AdapterCacheOptions {
  secrets: Record<string, string | undefined>;
  allowlist: readonly string[];
  protectedHosts?: readonly string[];
  maxResponseBytes?: number;
  /** Used when the model's options do not set one. */
  defaultBatchSize: number;
}

export function createAdapterCache(opts: AdapterCacheOptions): AdapterCache {
  const cache = new Map<number, { key: string; adapter: EndpointAdapter }>();
  const retired: EndpointAdapter[] = [];
  return {
    get(model) {
      const key = JSON.stringify(model.endpoint);
      const hit = cache.get(model.id);
      if (hit && hit.key === key) return hit.adapter;
      if (hit) retired.push(hit.adapter);
      const options = { batchSize: opts.defaultBatchSize, ...model.endpoint.options };
      const adapter = createAdapter(
        { ...model.endpoint, options },
        {
          secrets: opts.secrets,
          allowlist: opts.allowlist,
          protectedHosts: opts.protectedHosts ?? [],
          ...(opts.maxResponseBytes === undefined ? {} : { maxResponseBytes: opts.maxResponseBytes }),
        },
      );
      cache.set(model.id, { key, adapter });
      return adapter;
    },
    async closeAll() {
      const all = [...retired, ...[...cache.values()].map((c) => c.adapter)];
      cache.clear();
      retired.length = 0;
      await Promise.allSettled(all.map((a) => a.close()));
    },
  };
}
