import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../src/endpoints/index.ts';
import { ADMIN, type Stack, startStack, stringsIn } from './stack.ts';

const METADATA_URLS: [string, string][] = [
  ['AWS/GCP/Azure metadata IP', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
  ['GCP metadata name', 'http://metadata.google.internal/computeMetadata/v1/'],
  [
    'GCP metadata name, upper case with a trailing dot',
    'http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/',
  ],
  ['bare "metadata"', 'http://metadata/computeMetadata/v1/'],
  ['IPv6 link-local', 'http://[fe80::1]/'],
  ['IPv6 link-local, another address', 'https://[febf:ffff::1]:8443/x'],
  ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/latest/'],
  ['Alibaba metadata', 'http://100.100.100.200/latest/meta-data/'],
  ['decimal 169.254.169.254', 'http://2852039166/latest/meta-data/'],
  ['hex 169.254.169.254', 'http://0xA9FEA9FE/latest/meta-data/'],
  ['dotted hex', 'http://0xa9.0xfe.0xa9.0xfe/'],
  ['dotted octal', 'http://0251.0376.0251.0376/'],
  ['shortened 169.254.43518', 'http://169.254.43518/'],
  ['IPv4-mapped IPv6', 'http://[::ffff:169.254.169.254]/'],
  ['IPv4-mapped IPv6 in hex', 'http://[::ffff:a9fe:a9fe]/'],
  ['another link-local IPv4', 'http://169.254.1.1:8080/'],
];

const CREDENTIAL_URLS: [string, string][] = [
  ['user and password', 'http://admin:hunter2@127.0.0.1:8080/predict'],
  ['user only', 'http://admin@127.0.0.1/predict'],
  ['password only', 'http://:hunter2@127.0.0.1/predict'],
  ['an allowed-looking host as the user', 'http://models.internal@169.254.169.254/'],
];

function modelBody(url: string, name = 'ssrf') {
  return JSON.stringify({
    name,
    version: `v${Math.random().toString(36).slice(2, 8)}`,
    endpoint: { adapter: 'http', url },
  });
}

describe('SSRF: no allowlist configured', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each(METADATA_URLS)('POST /api/v1/models refuses %s (%s) with 400', async (_, url) => {
    const before = await s.counts();
    const res = await s.call('POST', '/api/v1/models', modelBody(url));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: {
        code: 'endpoint_refused',
        field: 'endpoint.url',
        message: expect.stringMatching(/link-local or cloud metadata/),
      },
    });
    expect(await s.counts()).toEqual(before);
  });

  it.each(CREDENTIAL_URLS)(
    'POST /api/v1/models refuses a URL with %s, without echoing the password',
    async (_, url) => {
      const before = await s.counts();
      const res = await s.call('POST', '/api/v1/models', modelBody(url));
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        error: { code: 'endpoint_refused', message: expect.stringMatching(/credentials/) },
      });
      expect(res.text).not.toContain('hunter2');
      expect(s.logs()).not.toContain('hunter2');
      expect(await s.counts()).toEqual(before);
    },
  );

  it.each([...METADATA_URLS, ...CREDENTIAL_URLS])('/model register refuses %s (%s)', async (_, url) => {
    s.slackApi.reset();
    const before = await s.counts();
    const res = await s.command(ADMIN, '/model', `register ssrf v1 http ${url}`);
    expect(res.status).toBe(200);
    const reply = await s.slackApi.waitFor(() => s.slackApi.responses[0]);
    expect(stringsIn(reply.body).join('\n')).toMatch(/:warning:.*(link-local or cloud metadata|credentials)/);
    expect(JSON.stringify(reply.body)).not.toContain('hunter2');
    expect(await s.counts()).toEqual(before);
  });

  it('a model row pointing at a metadata address (written before the rule existed) cannot become an adapter', () => {
    expect(() =>
      createAdapter({ adapter: 'http', url: 'http://169.254.169.254/', options: {} }, { secrets: {} }),
    ).toThrow(/link-local or cloud metadata/);
  });
});

describe('SSRF: CANARY_ENDPOINT_ALLOWLIST set', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ allowlist: ['models.internal', '*.serving.example.com', '10.20.0.0/16'] });
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each([
    ['http://evil.example.org/predict', 'evil.example.org'],
    ['http://models.internal.evil.org/predict', 'models.internal.evil.org'],
    ['http://evilmodels.internal/predict', 'evilmodels.internal'],
    ['http://serving.example.com/predict', 'serving.example.com'],
    ['http://evil.org/predict?host=models.internal', 'evil.org'],
    ['http://evil.org/#models.internal', 'evil.org'],
    ['http://evil.org\\@models.internal/', 'evil.org'],
    ['http://10.21.0.1/predict', '10.21.0.1'],
  ])('refuses %s with 400 naming %s', async (url, host) => {
    const before = await s.counts();
    const res = await s.call('POST', '/api/v1/models', modelBody(url));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: { code: 'endpoint_refused', message: `Endpoint host ${host} is not in the endpoint allowlist.` },
    });
    expect(await s.counts()).toEqual(before);

    s.slackApi.reset();
    await s.command(ADMIN, '/model', `register allow-${before.models} v1 http ${url}`);
    const reply = await s.slackApi.waitFor(() => s.slackApi.responses[0]);
    expect(stringsIn(reply.body).join('\n')).toContain(`${host} is not in the endpoint allowlist`);
    expect(await s.counts()).toEqual(before);
  });

  it.each([
    'http://models.internal/predict',
    'https://a.serving.example.com/v1/models/x:predict',
    'http://10.20.3.4:8080/predict',
  ])('accepts %s, which the allowlist names', async (url) => {
    const res = await s.call('POST', '/api/v1/models', modelBody(url));
    expect(res.status).toBe(201);
  });

  it('a wildcard entry does not open metadata addresses that happen to match it', async () => {
    const wide = await startStack({ allowlist: ['0.0.0.0/0', '*.internal'] });
    try {
      for (const url of ['http://169.254.169.254/', 'http://metadata.google.internal/']) {
        const res = await wide.call('POST', '/api/v1/models', modelBody(url));
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({
          error: { message: expect.stringMatching(/link-local or cloud metadata/) },
        });
      }
    } finally {
      await wide.close();
    }
  });
});
