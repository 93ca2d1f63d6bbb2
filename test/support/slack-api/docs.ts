import { readdirSync, readFileSync } from 'node:fs';
import { SLACK_SPEC_DIR } from '../slack-spec.ts';

/** Slack's own method reference (args with required flags, errors, scopes), kept in shared/slack/methods. */
export interface MethodDoc {
  name: string;
  required: string[];
  errors: Set<string>;
  botScopes: string[];
}

interface RawMethodDoc {
  args?: Record<string, { required?: boolean }>;
  errors?: Record<string, string>;
  scopes?: { bot?: { name: string }[] };
}

// The repo is cloned next to a copy of shared/ (locally /work/main beside /work/shared).
export const METHOD_DOCS_DIR = new URL('methods/', SLACK_SPEC_DIR);

export function loadMethodDocs(dir: URL = METHOD_DOCS_DIR): {
  methods: Map<string, MethodDoc>;
  commonErrors: Set<string>;
} {
  const methods = new Map<string, MethodDoc>();
  let commonErrors = new Set<string>();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    const raw = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as unknown;
    if (file === '_common_errors.json') {
      commonErrors = new Set(Object.keys(raw as Record<string, string>));
      continue;
    }
    const doc = raw as RawMethodDoc;
    const name = file.slice(0, -'.json'.length);
    methods.set(name, {
      name,
      required: Object.entries(doc.args ?? {})
        .filter(([, arg]) => arg.required === true)
        .map(([arg]) => arg),
      errors: new Set(Object.keys(doc.errors ?? {})),
      botScopes: (doc.scopes?.bot ?? []).map((s) => s.name),
    });
  }
  if (methods.size === 0) throw new Error(`No Slack method docs found in ${dir.pathname}`);
  return { methods, commonErrors };
}
