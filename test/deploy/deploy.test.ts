import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { ValidationSeverity, validate } from 'dockerfile-utils';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { restrictedViolations } from './pod-security.ts';
import { type Manifest, strictSchemaErrors } from './strict-schema.ts';

/** No Docker engine or cluster runs here: lint and validate the artefacts offline against their schemas. */
const root = new URL('../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');

describe('Dockerfile', () => {
  const text = read('Dockerfile');

  it('has no lint errors or warnings', () => {
    const problems = validate(text).filter(
      (d) => d.severity === ValidationSeverity.ERROR || d.severity === ValidationSeverity.WARNING,
    );
    expect(problems.map((p) => p.message)).toEqual([]);
  });

  it('builds in a build stage and ships only dist/ and production dependencies, as uid 10001', () => {
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).toMatch(/^COPY --from=deps \/app\/node_modules \.\/node_modules$/m);
    expect(text).toMatch(/npm ci --omit=dev/);
    // No TypeScript source reaches the running image.
    expect(runtime).not.toMatch(/^COPY (src|workers|tsconfig)/m);
    expect(runtime).toMatch(/^USER 10001:10001$/m);
    expect(text).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
  });

  it('pins its base image to a version, never latest', () => {
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
    expect(base).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
    for (const from of text.match(/^FROM \S+/gm) ?? []) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}$/);
  });

  it('starts every role with node on compiled JavaScript the build emits (no tsx, no npm)', () => {
    const entry = read('docker-entrypoint.sh');
    const build = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as {
      include: string[];
      exclude?: string[];
    };
    const targets = [...entry.matchAll(/exec node (\S+)/g)].map((m) => m[1] as string);
    expect(targets.sort()).toEqual([
      'bin/canary.js',
      'bin/canary.js',
      'dist/src/main.js',
      'dist/src/modelserver/main.js',
      'dist/workers/evaluation.js',
    ]);
    expect(entry).not.toMatch(/tsx|npm /);
    for (const target of targets.filter((t) => t.startsWith('dist/'))) {
      const source = target.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(new URL(source, root)), source).toBe(true);
      expect(build.include.some((dir) => source.startsWith(`${dir}/`))).toBe(true);
      expect((build.exclude ?? []).some((dir) => source.startsWith(`${dir}/`))).toBe(false);
    }
    // The CLI launcher prefers the compiled CLI, and the build copies the migrations beside it.
    expect(read('bin/canary.js')).toContain("'../dist/src/cli/main.js'");
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build']).toContain('cp -R drizzle dist/drizzle');
    expect(pkg.scripts['start']).toBe('node dist/src/main.js');
    expect(pkg.scripts['worker']).toBe('node dist/workers/evaluation.js');
  });
});

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml')) as {
    services: Record<
      string,
      { command?: string[]; profiles?: string[]; depends_on?: unknown; image?: string }
    >;
  };

  it('runs Postgres, Redis, web and a scalable worker, with the model server as a profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'model-server',
      'postgres',
      'redis',
      'web',
      'worker',
    ]);
    expect(compose.services.web?.command).toEqual(['web']);
    expect(compose.services.worker?.command).toEqual(['worker']);
    expect(compose.services['model-server']?.profiles).toEqual(['demo']);
    // A fixed container_name or host port would stop `--scale worker=N`.
    expect(read('docker-compose.yml')).not.toMatch(/container_name/);
    expect(compose.services.worker).not.toHaveProperty('ports');
  });
});

describe('deploy/kubernetes', () => {
  const dir = new URL('deploy/kubernetes/', root);
  const manifests: Manifest[] = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) =>
      parseAllDocuments(readFileSync(new URL(f, dir), 'utf8')).map((d, i) => ({
        source: `${f}#${i}`,
        doc: d.toJSON(),
      })),
    );
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML, read field by field below
  const docs = manifests.map((m) => m.doc as any);
  const models: Record<string, new (o: never) => { validate(): void }> = {
    Deployment,
    Service,
    Secret,
    ConfigMap,
    Namespace,
    ScaledObject,
    TriggerAuthentication,
  };
  const deployments = docs.filter((d) => d.kind === 'Deployment');
  const secret = docs.find((d) => d.kind === 'Secret');

  it.each(docs.map((d) => [`${d.kind}/${d.metadata?.name}`, d]))(
    '%s validates against its schema',
    (_, doc) => {
      const Model = models[doc.kind];
      expect(Model, `no schema for ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc as never).validate()).not.toThrow();
    },
  );

  it('has no field its schema does not know (strict check)', () => {
    expect(strictSchemaErrors(manifests)).toEqual([]);
  }, 30_000);

  it('the strict check catches misspelt fields that schema validation lets through', () => {
    const web = manifests.find((m) => m.source.startsWith('web.yaml'))!;
    // biome-ignore lint/suspicious/noExplicitAny: deliberately broken copies
    const probe = structuredClone(web.doc) as any;
    const container = probe.spec.template.spec.containers[0];
    container.livenessprobe = container.livenessProbe;
    delete container.livenessProbe;
    // biome-ignore lint/suspicious/noExplicitAny: deliberately broken copies
    const replica = structuredClone(web.doc) as any;
    replica.spec.replica = replica.spec.replicas;
    delete replica.spec.replicas;
    // The models accept both misspellings: this is the gap the strict check closes.
    expect(() => new Deployment(probe).validate()).not.toThrow();
    expect(() => new Deployment(replica).validate()).not.toThrow();
    // Like tsc, it names the first unknown field of each document.
    const errors = strictSchemaErrors([
      { source: 'probe.yaml#0', doc: probe },
      { source: 'replica.yaml#0', doc: replica },
    ]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^probe\.yaml#0: .*'livenessprobe' does not exist/);
    expect(errors[1]).toMatch(/^replica\.yaml#0: .*'replica' does not exist/);
  }, 30_000);

  it('passes every Pod Security Standards rule of the restricted profile (Monokle, offline)', async () => {
    expect(await restrictedViolations(manifests)).toEqual([]);
  }, 30_000);

  it('the restricted check refuses a pod that keeps its capabilities or has no seccomp profile', async () => {
    const web = manifests.find((m) => m.source.startsWith('web.yaml'))!;
    // biome-ignore lint/suspicious/noExplicitAny: a deliberately weakened copy
    const weak = structuredClone(web.doc) as any;
    delete weak.spec.template.spec.securityContext.seccompProfile;
    delete weak.spec.template.spec.containers[0].securityContext.capabilities;
    const found = await restrictedViolations([{ source: 'web.yaml#0', doc: weak }]);
    expect(found.some((v) => v.startsWith('PSS205'))).toBe(true);
    expect(found.some((v) => v.startsWith('PSS206'))).toBe(true);
  }, 30_000);

  it('runs both Deployments read-only, as uid 10001, capabilities dropped, RuntimeDefault seccomp, pinned', () => {
    const pkg = JSON.parse(read('package.json')) as { version: string };
    const kustomization = parseYaml(read('deploy/kubernetes/kustomization.yaml'));
    expect(kustomization.images).toEqual([{ name: 'canary', newTag: pkg.version }]);
    expect(kustomization.namespace).toBe('canary');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['canary-web', 'canary-worker']);
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const c of pod.containers) {
        expect(c.image).toBe(`canary:${pkg.version}`);
        expect(c.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
    // The image's uid is the one the pods ask for.
    expect(read('Dockerfile')).toMatch(/^USER 10001:10001$/m);
    const ns = docs.find((d) => d.kind === 'Namespace');
    for (const mode of ['enforce', 'audit', 'warn'])
      expect(ns.metadata.labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
  });

  it('probes /healthz and /readyz', () => {
    const web = deployments.find((d) => d.metadata.name === 'canary-web');
    const c = web.spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
  });

  it('scales workers on waiting and running batches, reading Redis with its password', () => {
    const so = docs.find((d) => d.kind === 'ScaledObject');
    expect(so.spec.scaleTargetRef.name).toBe('canary-worker');
    const lists = so.spec.triggers.map((t: { metadata: { listName: string } }) => t.metadata.listName);
    expect(lists).toEqual(['{canary}:evaluations:wait', '{canary}:evaluations:active']);
    const concurrency = docs.find((d) => d.kind === 'ConfigMap').data.CANARY_WORKER_CONCURRENCY;
    expect(so.spec.triggers[1].metadata.listLength).toBe(concurrency);
    const auth = docs.find((d) => d.kind === 'TriggerAuthentication');
    for (const t of so.spec.triggers) expect(t.authenticationRef.name).toBe(auth.metadata.name);
    const params = auth.spec.secretTargetRef.map((r: { parameter: string }) => r.parameter).sort();
    expect(params).toEqual(['address', 'password']);
    for (const ref of auth.spec.secretTargetRef) {
      expect(ref.name).toBe(secret.metadata.name);
      expect(secret.stringData).toHaveProperty(ref.key);
    }
    // Scale-in takes one pod at a time, and that pod gets time to finish its batches.
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.policies).toEqual([
      { type: 'Pods', value: 1, periodSeconds: 120 },
    ]);
    const worker = deployments.find((d) => d.metadata.name === 'canary-worker');
    expect(worker.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(300);
  });
});
