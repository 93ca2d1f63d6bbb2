import { readdirSync, readFileSync } from 'node:fs';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { ValidationSeverity, validate } from 'dockerfile-utils';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

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

  it('is multi-stage, runs as non-root and checks /healthz', () => {
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
  });

  it('copies everything the entrypoint needs', () => {
    const entry = read('docker-entrypoint.sh');
    for (const path of ['src/main.ts', 'workers/evaluation.ts', 'bin/canary.js', 'src/modelserver/main.ts']) {
      expect(entry).toContain(path);
      expect(text).toMatch(new RegExp(`^COPY ${path.split('/')[0]} `, 'm'));
    }
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
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(readFileSync(new URL(f, dir), 'utf8')).map((d) => d.toJSON()));
  const models: Record<string, new (o: never) => { validate(): void }> = {
    Deployment,
    Service,
    Secret,
    ConfigMap,
    ScaledObject,
    TriggerAuthentication,
  };

  it.each(docs.map((d) => [`${d.kind}/${d.metadata?.name}`, d]))(
    '%s validates against its schema',
    (_, doc) => {
      const Model = models[doc.kind];
      expect(Model, `no schema for ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc as never).validate()).not.toThrow();
    },
  );

  it('probes /healthz and /readyz and scales workers on the evaluation queue', () => {
    const web = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'canary-web');
    const c = web.spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    const so = docs.find((d) => d.kind === 'ScaledObject');
    expect(so.spec.scaleTargetRef.name).toBe('canary-worker');
    expect(so.spec.triggers[0].metadata.listName).toBe('{canary}:evaluations:wait');
  });
});
