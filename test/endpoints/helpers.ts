import type { EndpointConfig } from '../../src/core/model.ts';
import { createAdapter } from '../../src/endpoints/index.ts';
import type { AdapterDeps, EndpointAdapter } from '../../src/endpoints/types.ts';

/** Creates adapters and remembers them so a test file can close them all in afterAll. */
export function adapterFactory() {
  const open: EndpointAdapter[] = [];
  return {
    make(config: EndpointConfig, deps: AdapterDeps = LOCAL): EndpointAdapter {
      const adapter = createAdapter(config, deps);
      open.push(adapter);
      return adapter;
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((a) => a.close()));
    },
  };
}

/** The test model servers listen on loopback, which Canary refuses unless allow-listed. */
export const LOCAL: AdapterDeps = { secrets: {}, allowlist: ['127.0.0.1'] };

/** Fast retries so fault tests spend their time on the faults, not on backoff. */
export const QUICK = { retries: 2, backoffMs: 1, timeoutMs: 2_000 };
