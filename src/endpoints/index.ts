import { CanaryError } from '../core/errors.ts';
import type { EndpointConfig } from '../core/model.ts';
import { checkEndpointUrl } from './allowlist.ts';
import { httpProtocol } from './http.ts';
import { kserveV2Protocol } from './kserve-v2.ts';
import { mlflowProtocol } from './mlflow.ts';
import { openaiProtocol } from './openai.ts';
import { openaiEmbeddingsProtocol } from './openai-embeddings.ts';
import { type AdapterKind, adapterOptions, parseEndpointConfig } from './options.ts';
import { createWireAdapter, type WireProtocol } from './runner.ts';
import { tfservingProtocol } from './tfserving.ts';
import type { AdapterDeps, EndpointAdapter } from './types.ts';

export { checkEndpointUrl } from './allowlist.ts';
export { parseEndpointConfig } from './options.ts';
export type { AdapterDeps, EndpointAdapter } from './types.ts';

const PROTOCOLS = {
  'kserve-v2': (config) => kserveV2Protocol(config.url, adapterOptions('kserve-v2', config)),
  tfserving: (config) => tfservingProtocol(config.url, adapterOptions('tfserving', config)),
  mlflow: (config) => mlflowProtocol(config.url, adapterOptions('mlflow', config)),
  openai: (config) => openaiProtocol(config.url, adapterOptions('openai', config)),
  'openai-embeddings': (config) =>
    openaiEmbeddingsProtocol(config.url, adapterOptions('openai-embeddings', config)),
  http: (config) => httpProtocol(config.url, adapterOptions('http', config)),
} satisfies Record<AdapterKind, (config: EndpointConfig) => WireProtocol>;

/**
 * Builds the adapter for a stored endpoint config. Throws CanaryError for a config that does not validate
 * or a URL the allowlist refuses (metadata / link-local targets always, loopback and Canary's own hosts unless allow-listed):
 * those are mistakes to report, not endpoint trouble to record per input.
 */
export function createAdapter(config: EndpointConfig, deps: AdapterDeps): EndpointAdapter {
  const parsed = parseEndpointConfig(config);
  if (!parsed.ok) throw new CanaryError('invalid_endpoint', parsed.error, 'endpoint');
  const allowed = checkEndpointUrl(parsed.value.url, {
    allowlist: deps.allowlist ?? [],
    protectedHosts: deps.protectedHosts ?? [],
  });
  if (!allowed.ok) throw new CanaryError('endpoint_not_allowed', allowed.error, 'endpoint.url');
  const kind = parsed.value.adapter;
  return createWireAdapter(kind, adapterOptions(kind, parsed.value), deps, PROTOCOLS[kind](parsed.value));
}
