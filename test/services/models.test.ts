import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryError } from '../../src/core/errors.ts';
import { models } from '../../src/db/schema.ts';
import {
  getModelByRef,
  listModels,
  productionModel,
  promoteModel,
  registerModel,
  retireModel,
} from '../../src/services/models.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { endpoint, makeDeps, RecordingScheduler } from './helpers.ts';

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
    [{ name: ' padded', version: '1', endpoint: endpoint() }, 'validation', 'name'],
    [{ name: 'tab\tbed', version: '1', endpoint: endpoint() }, 'validation', 'name'],
    [{ name: '<b>bold</b>', version: '1', endpoint: endpoint() }, 'validation', 'name'],
    [{ name: 'a@b', version: '1', endpoint: endpoint() }, 'validation', 'name'],
    [{ name: '-dash-first', version: '1', endpoint: endpoint() }, 'validation', 'name'],
    [{ name: 'x', version: 'v<1>', endpoint: endpoint() }, 'validation', 'version'],
    [{ name: 'x', version: '1@2', endpoint: endpoint() }, 'validation', 'version'],
    [{ name: 'x', version: 'v 1', endpoint: endpoint() }, 'validation', 'version'],
    [{ name: 'x', version: 'a/b', endpoint: endpoint() }, 'validation', 'version'],
    [{ name: 7, version: '1', endpoint: endpoint() }, 'validation', 'name'],
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
    await expect(registerModel(deps, input as Parameters<typeof registerModel>[1])).rejects.toMatchObject({
      code,
      field,
    });
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

describe('model names', () => {
  it('accepts what the Slack command accepts, so one name works everywhere', async () => {
    const deps = makeDeps(database.db);
    const { model } = await registerModel(deps, {
      name: 'org/sentiment_v.2-x',
      version: '1.2.0+build.7',
      endpoint: endpoint(),
    });
    expect(model).toMatchObject({ name: 'org/sentiment_v.2-x', version: '1.2.0+build.7' });
    expect((await getModelByRef(deps, 'org/sentiment_v.2-x@1.2.0+build.7')).id).toBe(model.id);
  });

  it('refuses with the same sentence as the Slack command', async () => {
    const deps = makeDeps(database.db);
    await expect(registerModel(deps, { name: '<b>', version: '1', endpoint: endpoint() })).rejects.toThrow(
      '"<b>" is not a valid model name (letters, digits, . _ - /).',
    );
  });
});

describe('headersFromEnv', () => {
  const withSecret = (variable: string) => ({
    ...endpoint(),
    headersFromEnv: { Authorization: variable },
  });

  it('stores a variable listed in CANARY_ENDPOINT_SECRETS', async () => {
    const deps = makeDeps(database.db, { limits: { endpointSecretNames: ['MODEL_TOKEN'] } });
    const { model } = await registerModel(deps, {
      name: 'secretive',
      version: '1',
      endpoint: withSecret('MODEL_TOKEN'),
    });
    expect(model.endpoint.options).toMatchObject({ headersFromEnv: { Authorization: 'MODEL_TOKEN' } });
  });

  it.each([
    ['no list at all', undefined, 'MODEL_TOKEN'],
    ['an empty list', [], 'MODEL_TOKEN'],
    ['a list without it', ['OTHER_TOKEN'], 'MODEL_TOKEN'],
    ['a list without it (a worker variable)', ['MODEL_TOKEN'], 'HOME'],
  ])('refuses a variable not listed (%s), naming it and the setting', async (_, listed, variable) => {
    const deps = makeDeps(database.db, listed ? { limits: { endpointSecretNames: listed } } : {});
    const before = await count();
    const attempt = registerModel(deps, { name: 'nosy', version: '1', endpoint: withSecret(variable) });
    await expect(attempt).rejects.toBeInstanceOf(CanaryError);
    await expect(attempt).rejects.toMatchObject({
      code: 'validation',
      field: 'endpoint.headersFromEnv',
      message: expect.stringMatching(new RegExp(`${variable}.*CANARY_ENDPOINT_SECRETS`)),
    });
    expect(await count()).toBe(before);
    expect(deps.scheduler.evaluations).toEqual([]);
  });

  it.each([
    'SLACK_BOT_TOKEN',
    'SLACK_SIGNING_SECRET',
    'DATABASE_URL',
    'REDIS_URL',
    'CANARY_API_TOKENS',
    'CANARY_TOKEN',
    'QUICKCHART_URL',
  ])("always refuses Canary's own %s, even when an operator listed it", async (variable) => {
    const deps = makeDeps(database.db, { limits: { endpointSecretNames: [variable, 'MODEL_TOKEN'] } });
    const before = await count();
    await expect(
      registerModel(deps, {
        name: 'thief',
        version: '1',
        endpoint: { ...endpoint(), headersFromEnv: { 'X-A': 'MODEL_TOKEN', 'X-B': variable } },
      }),
    ).rejects.toMatchObject({
      code: 'validation',
      field: 'endpoint.headersFromEnv',
      message: expect.stringMatching(new RegExp(`${variable}.*Canary's own settings`)),
    });
    expect(await count()).toBe(before);
  });
});

describe('when the evaluation cannot be queued', () => {
  class DownScheduler extends RecordingScheduler {
    override async evaluateModel(): Promise<{ evaluationId: number }> {
      throw new CanaryError('queue_unavailable', 'The evaluation could not be queued (Redis down).');
    }
  }

  it('keeps the model and says how to queue it later instead of failing', async () => {
    const deps = makeDeps(database.db, { scheduler: new DownScheduler() });
    const result = await registerModel(deps, { name: 'unqueued', version: 'v1', endpoint: endpoint() });
    expect(result.evaluationId).toBeNull();
    expect(result.model).toMatchObject({ name: 'unqueued', version: 'v1', status: 'candidate' });
    expect(result.warning).toMatch(/unqueued@v1 is registered/);
    expect(result.warning).toContain('POST /api/v1/models/unqueued/v1/evaluate');
    expect((await getModelByRef(deps, 'unqueued@v1')).id).toBe(result.model.id);
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
    await expect(getModelByRef(deps, 'no-version')).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringMatching(/<name>@<version>/),
    });
  });
});
