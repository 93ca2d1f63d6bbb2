import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * A strict schema check for Kubernetes manifests. The Kubernetes OpenAPI schemas (and so kubernetes-models'
 * validate()) allow unknown fields, which a cluster then drops silently: `livenessprobe` is no probe at all.
 * The same models' TypeScript interfaces list every field, and TypeScript refuses unknown properties in an
 * object literal at any depth, so each document is type-checked as a literal of its kind's interface.
 */

const TYPES: Record<string, { from: string; type: string }> = {
  'apps/v1 Deployment': { from: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'v1 Service': { from: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1 Secret': { from: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1 ConfigMap': { from: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1 Namespace': { from: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'keda.sh/v1alpha1 ScaledObject': {
    from: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
    type: 'IScaledObject',
  },
  'keda.sh/v1alpha1 TriggerAuthentication': {
    from: '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication',
    type: 'ITriggerAuthentication',
  },
};

export interface Manifest {
  /** Where it came from, for messages: `web.yaml#0`. */
  source: string;
  doc: { apiVersion?: string; kind?: string; [key: string]: unknown };
}

/** One message per problem, `source: message`; empty when every document matches its type exactly. */
export function strictSchemaErrors(manifests: readonly Manifest[]): string[] {
  const errors: string[] = [];
  const used = new Set<string>();
  const lines: string[] = [];
  const owner: string[] = [];
  manifests.forEach((m, i) => {
    const key = `${m.doc.apiVersion} ${m.doc.kind}`;
    const t = TYPES[key];
    if (!t) {
      errors.push(`${m.source}: no schema for ${key}`);
      return;
    }
    used.add(key);
    const body = `export const doc${i}: ${t.type} = ${JSON.stringify(m.doc, null, 1)};`.split('\n');
    lines.push(...body);
    owner.push(...body.map(() => m.source));
  });
  const header = [...used].map((key) => {
    const t = TYPES[key] as { from: string; type: string };
    return `import type { ${t.type} } from '${t.from}';`;
  });
  const text = [...header, ...lines].join('\n');

  // The virtual file sits in the repository, so the models resolve from its node_modules.
  const file = fileURLToPath(new URL('./__manifests__.ts', import.meta.url));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    // Keys are JSON strings in the literal; name them as the manifest does.
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').replace(/'"([^"]+)"'/g, "'$1'");
    if (d.file?.fileName !== file || d.start === undefined) {
      errors.push(message);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const at = line - header.length;
    errors.push(`${owner[at] ?? 'manifests'}: ${message}`);
  }
  return errors;
}
