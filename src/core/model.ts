import { isPlainObject } from './json.ts';
import type { Result } from './result.ts';

/**
 * Candidate models and how people name them: `name@version` everywhere a person reads or writes one
 * (Slack, REST, CLI, logs, metrics labels).
 */

export type ModelStatus = 'candidate' | 'production' | 'retired';

/** What a model is registered for: candidates are evaluated on problems; graders and embedders serve checks. */
export type ModelRole = 'candidate' | 'grader' | 'embedder';

export interface EndpointConfig {
  adapter: 'kserve-v2' | 'tfserving' | 'mlflow' | 'openai' | 'openai-embeddings' | 'http';
  url: string;
  /** Adapter-specific options (batchSize, concurrency, timeoutMs, retries, labels, headersFromEnv, …). */
  options: Record<string, unknown>;
}

export interface Model {
  id: number;
  name: string;
  version: string;
  endpoint: EndpointConfig;
  metrics: Record<string, number>;
  status: ModelStatus;
  role: ModelRole;
  repeats: number;
  registeredBy: string | null;
  slackChannel: string | null;
  slackTs: string | null;
  registeredAt: Date;
  /** Set together with status 'retired'; null otherwise (absent where a caller builds a Model by hand). */
  retiredAt?: Date | null;
  retiredBy?: string | null;
}

/** A model as people refer to it; a `Model` is one too. */
export interface ModelRef {
  name: string;
  version: string;
}

/** `sentiment@v3`: the one way a model is written for people. */
export function formatModelRef(model: ModelRef): string {
  return `${model.name}@${model.version}`;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;
const MODEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._\-+]*$/;

/** `name@version`; the last @ splits, so names stay free of it and versions may not contain it. */
export function parseModelRef(text: string): Result<ModelRef> {
  const trimmed = text.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) {
    return {
      ok: false,
      error: `"${trimmed}" is not a model reference; write <name>@<version>, e.g. sentiment@v3.`,
    };
  }
  const name = trimmed.slice(0, at);
  const version = trimmed.slice(at + 1);
  const bad = checkNameAndVersion(name, version);
  return bad ? { ok: false, error: bad } : { ok: true, value: { name, version } };
}

export function checkNameAndVersion(name: string, version: string): string | null {
  return checkModelName(name) ?? checkModelVersion(version);
}

/** Null when the name is acceptable, else the sentence saying why not (shared by Slack, REST and CLI). */
export function checkModelName(name: string): string | null {
  return MODEL_NAME.test(name) ? null : `"${name}" is not a valid model name (letters, digits, . _ - /).`;
}

export function checkModelVersion(version: string): string | null {
  return MODEL_VERSION.test(version)
    ? null
    : `"${version}" is not a valid version (letters, digits, . _ - +).`;
}

/**
 * The API takes `{adapter, url, ...options}` (flat, as people write it) or `{adapter, url, options}`;
 * the endpoint validator wants the latter.
 */
export function toEndpointEnvelope(endpoint: { adapter: string; url: string; [key: string]: unknown }): {
  adapter: string;
  url: string;
  options: Record<string, unknown>;
} {
  const { adapter, url, options, ...rest } = endpoint;
  return { adapter, url, options: { ...(isPlainObject(options) ? options : {}), ...rest } };
}
