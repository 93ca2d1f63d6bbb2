import { z } from 'zod';
import type { EndpointConfig } from '../core/model.ts';
import type { Result } from '../core/result.ts';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Upper case only: a token-shaped value (sk_live_abc123) typed here by mistake is refused, not stored as a "name".
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Plain JSON (an object) or its text: templates arrive both ways from Slack forms, YAML and the API. */
const jsonTemplate = z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).refine(
  (v) => {
    if (typeof v !== 'string') return true;
    try {
      JSON.parse(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be JSON (an object or its text)' },
);

const common = {
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  batchSize: z.number().int().min(1).max(10_000).optional(),
  concurrency: z.number().int().min(1).max(1024).default(32),
  timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  retries: z.number().int().min(0).max(10).default(3),
  backoffMs: z.number().int().min(0).max(60_000).default(100),
  labels: z.array(z.string().min(1)).min(1).optional(),
  /** What a call costs, so evaluations can say it in money (USD per million tokens, or per request). */
  price: z
    .strictObject({
      promptPerMTok: z.number().min(0).max(1e6).optional(),
      completionPerMTok: z.number().min(0).max(1e6).optional(),
      perRequest: z.number().min(0).max(1e6).optional(),
    })
    .optional(),
  // Secrets are referenced by the name of the variable holding them, so configs can be stored and shown.
  headersFromEnv: z
    .record(
      z.string().regex(HEADER_NAME, 'must be an HTTP header name'),
      z
        .string()
        .regex(
          ENV_NAME,
          'must be the NAME of an environment variable (upper case, e.g. MODEL_TOKEN), not the secret itself',
        ),
    )
    .default({}),
};

const kserveOptions = z.strictObject({
  ...common,
  inputName: z.string().min(1).default('text'),
  outputName: z.string().min(1).optional(),
});

const tfservingOptions = z.strictObject(common);
const mlflowOptions = z.strictObject(common);

const openaiOptions = z.strictObject({
  ...common,
  model: z.string().min(1),
  systemPrompt: z.string().optional(),
  temperature: z.number().min(0).max(2).default(0),
  labelMap: z.record(z.string().min(1), z.string().min(1)).optional(),
});

const openaiEmbeddingsOptions = z.strictObject({
  ...common,
  model: z.string().min(1),
});

const path = z.string().min(1);

const httpOptions = z.strictObject({
  ...common,
  bodyTemplate: jsonTemplate.default({ text: '{{input}}' }),
  labelPath: path.optional(),
  scorePath: path.optional(),
  /** Where a generative API puts its text (e.g. `choices.0.text`, `/output/text`). */
  textPath: path.optional(),
  batch: z
    .strictObject({
      bodyTemplate: jsonTemplate,
      resultsPath: path,
      labelPath: path.optional(),
      scorePath: path.optional(),
      textPath: path.optional(),
    })
    .optional(),
});

export const ADAPTER_OPTIONS = {
  'kserve-v2': kserveOptions,
  tfserving: tfservingOptions,
  mlflow: mlflowOptions,
  openai: openaiOptions,
  'openai-embeddings': openaiEmbeddingsOptions,
  http: httpOptions,
} satisfies Record<EndpointConfig['adapter'], z.ZodType>;

export type AdapterKind = keyof typeof ADAPTER_OPTIONS;
export type CommonOptions = z.infer<typeof tfservingOptions>;
export type KserveOptions = z.infer<typeof kserveOptions>;
export type OpenaiOptions = z.infer<typeof openaiOptions>;
export type OpenaiEmbeddingsOptions = z.infer<typeof openaiEmbeddingsOptions>;
export type HttpOptions = z.infer<typeof httpOptions>;

const envelope = z.strictObject({
  adapter: z.enum(Object.keys(ADAPTER_OPTIONS) as [AdapterKind, ...AdapterKind[]]),
  url: z.string(),
  options: z.record(z.string(), z.unknown()).default({}),
});

/** Validates an endpoint config (adapter name, URL, options); the value returned has defaults filled in. */
export function parseEndpointConfig(raw: unknown): Result<EndpointConfig> {
  const outer = envelope.safeParse(nestOptions(raw));
  if (!outer.success) return { ok: false, error: describe(outer.error) };
  const { adapter, url, options } = outer.data;
  const inner = ADAPTER_OPTIONS[adapter].safeParse({ ...options, url });
  if (!inner.success) return { ok: false, error: `${adapter}: ${describe(inner.error)}` };
  const { url: _url, ...parsed } = inner.data;
  return { ok: true, value: { adapter, url, options: parsed } };
}

/**
 * Users write options beside the adapter and URL (`{adapter, url, batchSize}`, as in the REST API and CLI);
 * stored configs keep them under `options`. Both forms are accepted; a key given both ways is an error.
 */
function nestOptions(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const { adapter, url, options, ...rest } = raw as Record<string, unknown>;
  if (Object.keys(rest).length === 0) return raw;
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options)))
    return raw;
  const nested = (options ?? {}) as Record<string, unknown>;
  const clash = Object.keys(rest).find((k) => k in nested);
  if (clash) return { adapter, url, options: nested, [clash]: rest[clash] };
  return { adapter, url, options: { ...nested, ...rest } };
}

/** Options of an already validated config, typed for its adapter. */
export function adapterOptions<K extends AdapterKind>(
  kind: K,
  config: EndpointConfig,
): z.infer<(typeof ADAPTER_OPTIONS)[K]> {
  return ADAPTER_OPTIONS[kind].parse({ ...config.options, url: config.url }) as z.infer<
    (typeof ADAPTER_OPTIONS)[K]
  >;
}

function describe(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
