import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../../src/db/schema.ts';
import {
  getModelByRef,
  listModels,
  parseModelRef,
  productionModel,
  promoteModel,
  registerModel,
  retireModel,
} from '../../src/services/models.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { endpoint, makeDeps } from './helpers.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const count = async () => (await database.db.select().from(models)).length;

describe('registerModel', () => {
  it('stores the model and queues its first evaluation', async () => {
    const deps = makeDeps(database.db);
    const { model, evaluationId } = await registerModel(deps, {
      name: 'sentiment',
      version: 'v1',
      endpoint: endpoint(),
      metrics: { accuracy: 0.91 },
      registeredBy: 'U1',
      slack: { channel: 'C1', threadTs: '1.2' },
    });
    expect(model).toMatchObject({
      name: 'sentiment',
      version: 'v1',
      status: 'candidate',
      repeats: 1,
      metrics: { accuracy: 0.91 },
      endpoint: { adapter: 'kserve-v2', url: 'http://models.internal:8080/v2/models/m' },
      slackChannel: 'C1',
      slackTs: '1.2',
    });
    expect(deps.scheduler.evaluations).toEqual([{ modelId: model.id, trigger: 'register' }]);
    expect(evaluationId).toBe(1);
    expect((await getModelByRef(deps, 'sentiment@v1')).id).toBe(model.id);
    expect((await getModelByRef(deps, { name: 'sentiment', version: 'v1' })).id).toBe(model.id);
  });

  it('refuses a duplicate name@version with code duplicate', async () => {
    const deps = makeDeps(database.db);
    await registerModel(deps, { name: 'dup', version: '1', endpoint: endpoint() });
    const before = await count();
    await expect(
      registerModel(deps, { name: 'dup', version: '1', endpoint: endpoint() }),
    ).rejects.toMatchObject({
      code: 'duplicate',
    });
    expect(await count()).toBe(before);
    expect(deps.scheduler.evaluations).toHaveLength(1);
  });

  it.each([
    [{ name: 'has space', version: '1', endpoint: endpoint() }, 'validation', 'name'],
    [{ name: 'x', version: '', endpoint: endpoint() }, 'validation', 'version'],
    [{ name: 'x'.repeat(101), version: '1', endpoint: endpoint() }, 'validation', 'name'],
    [
      { name: 'x', version: '1', endpoint: { adapter: 'telepathy', url: 'http://a' } },
      'validation',
      'endpoint',
    ],
    [{ name: 'x', version: '1', endpoint: endpoint(), metrics: { f1: Number.NaN } }, 'validation', 'metrics'],
    [{ name: 'x', version: '1', endpoint: endpoint(), repeats: 0 }, 'validation', 'repeats'],
    [
      { name: 'x', version: '1', endpoint: endpoint('http://169.254.169.254/latest') },
      'endpoint_refused',
      'endpoint.url',
    ],
    [
      { name: 'x', version: '1', endpoint: endpoint('http://elsewhere.example.com/m') },
      'endpoint_refused',
      'endpoint.url',
    ],
  ])('refuses %j', async (input, code, field) => {
    const deps = makeDeps(database.db, {
      limits: { endpointAllowlist: ['models.internal', '*.svc.cluster.local'] },
    });
    const before = await count();
    await expect(registerModel(deps, input)).rejects.toMatchObject({ code, field });
    expect(await count()).toBe(before);
    expect(deps.scheduler.evaluations).toEqual([]);
  });

  it('accepts an allow-listed host', async () => {
    const deps = makeDeps(database.db, { limits: { endpointAllowlist: ['*.svc.cluster.local'] } });
    const { model } = await registerModel(deps, {
      name: 'allowed',
      version: '1',
      endpoint: endpoint('http://m.default.svc.cluster.local/v2/models/m'),
      repeats: 3,
    });
    expect(model.repeats).toBe(3);
  });
});

describe('lifecycle', () => {
  it('promotes one production model per name and retires', async () => {
    const deps = makeDeps(database.db);
    const a = (await registerModel(deps, { name: 'clf', version: 'a', endpoint: endpoint() })).model;
    const b = (await registerModel(deps, { name: 'clf', version: 'b', endpoint: endpoint() })).model;
    const other = (await registerModel(deps, { name: 'other', version: '1', endpoint: endpoint() })).model;
    await promoteModel(deps, 'other@1');
    expect((await promoteModel(deps, 'clf@a')).previous).toBeNull();
    const second = await promoteModel(deps, 'clf@b');
    expect(second.model.status).toBe('production');
    expect(second.previous?.id).toBe(a.id);
    expect((await getModelByRef(deps, 'clf@a')).status).toBe('candidate');
    expect((await productionModel(deps, 'clf'))?.id).toBe(b.id);
    expect((await productionModel(deps, 'other'))?.id).toBe(other.id);
    expect(await productionModel(deps, 'nobody')).toBeNull();

    await Promise.all([promoteModel(deps, 'clf@a'), promoteModel(deps, 'clf@b')]);
    expect((await listModels(deps, { name: 'clf', status: ['production'] })).length).toBe(1);

    const retired = await retireModel(deps, 'clf@a');
    expect(retired.status).toBe('retired');
    await expect(promoteModel(deps, 'clf@a')).rejects.toMatchObject({ code: 'validation' });
    expect((await listModels(deps, { name: 'clf' })).map((m) => m.version)).toEqual(['a', 'b']);
    await expect(getModelByRef(deps, 'clf@zzz')).rejects.toMatchObject({ code: 'model_not_found' });
    expect(() => parseModelRef('no-version')).toThrow(/name@version/);
    expect(parseModelRef('org/model@1.2')).toEqual({ name: 'org/model', version: '1.2' });
  });
});
