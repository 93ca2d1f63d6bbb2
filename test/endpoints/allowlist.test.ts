import { describe, expect, it } from 'vitest';
import { checkConnectedAddress, checkEndpointUrl } from '../../src/endpoints/allowlist.ts';
import { createAdapter } from '../../src/endpoints/index.ts';

const ALLOWED: [string, string[]][] = [
  ['http://127.0.0.1:8080/v2/models/a/infer', ['127.0.0.1']],
  ['http://127.0.0.2:8080/x', ['127.0.0.0/8']],
  ['http://localhost:8080/x', ['localhost']],
  ['http://10.0.0.9:5432/x', []],
  ['https://models.example.com/predict', []],
  ['https://models.example.com/predict', ['models.example.com']],
  ['https://MODELS.example.com./predict', ['models.example.com']],
  ['https://a.models.example.com/x', ['*.models.example.com']],
  ['http://10.1.2.3:9000/x', ['10.0.0.0/8']],
  ['http://[::1]:9000/x', ['::1/128']],
  ['http://[2001:db8::5]/x', ['2001:db8::/32']],
  ['http://[64:ff9b::808:808]/x', []],
];

const REFUSED: [string, string[], RegExp][] = [
  ['ftp://example.com/x', [], /http or https/],
  ['file:///etc/passwd', [], /http or https/],
  ['not a url', [], /not a valid URL/],
  ['https://user:pw@example.com/x', [], /credentials/],
  ['https://evil.com/x', ['models.example.com'], /not in the endpoint allowlist/],
  ['https://models.example.com.evil.com/x', ['*.models.example.com'], /not in the endpoint allowlist/],
  ['https://models.example.com/x', ['*.models.example.com'], /not in the endpoint allowlist/],
  ['http://11.0.0.1/x', ['10.0.0.0/8'], /not in the endpoint allowlist/],
  ['http://169.254.169.254/latest/meta-data', [], /metadata/],
  ['http://169.254.1.1/x', [], /link-local/],
  ['http://0xa9.0xfe.0xa9.0xfe/x', [], /metadata/], // WHATWG URL normalises hex IPv4
  ['http://2852039166/x', [], /metadata/], // and integer IPv4
  ['http://[::ffff:169.254.169.254]/x', [], /metadata/],
  ['http://[fe80::1%25eth0]/x', [], /not a valid URL|link-local/],
  ['http://[fe80::abcd]/x', [], /link-local/],
  ['http://[fd00:ec2::254]/x', [], /metadata/],
  ['http://100.100.100.200/x', [], /metadata/],
  ['http://metadata.google.internal/x', [], /metadata/],
  ['http://METADATA/x', [], /metadata/],
  ['http://metadata.google.internal./x', [], /metadata/],
  ['http://metadata.goog/x', [], /metadata/],
  ['http://instance-data.ec2.internal/latest', [], /metadata/],
  ['http://instance-data/latest', [], /metadata/],
  ['http://192.0.0.192/opc/v2', [], /metadata/],
  ['http://[64:ff9b::169.254.169.254]/x', [], /metadata/],
  ['http://[64:ff9b::a9fe:a9fe]/x', [], /metadata/],
  ['http://[::169.254.169.254]/x', [], /metadata/],
  ['http://[::ffff:0:169.254.169.254]/x', [], /metadata/],
  ['http://[2002:a9fe:a9fe::1]/x', [], /metadata/],
  ['http://0251.0376.0251.0376/x', [], /metadata/],
  // Metadata stays refused even when an entry names it: nothing a model needs lives there.
  ['http://169.254.169.254/latest', ['169.254.169.254'], /metadata/],
  ['http://metadata.google.internal/x', ['metadata.google.internal'], /metadata/],
  ['http://[fe80::1]/x', ['fe80::/10'], /link-local/],
  // Loopback and Canary's own hosts need an explicit entry.
  ['http://127.0.0.1:8080/x', [], /loopback .*unless CANARY_ENDPOINT_ALLOWLIST names it/],
  ['http://127.1/x', [], /loopback/],
  ['http://2130706433/x', [], /loopback/],
  ['http://0.0.0.0:6379/x', [], /loopback/],
  ['http://[::1]/x', [], /loopback/],
  ['http://[::ffff:127.0.0.1]/x', [], /loopback/],
  ['http://localhost:6379/x', [], /loopback/],
  ['http://redis.localhost/x', [], /loopback/],
  ['http://127.0.0.1/x', ['0.0.0.0/0'], /loopback/],
  ['http://127.0.0.1/x', ['*.0.0.1'], /loopback/],
  // A broad entry is not an explicit allowance for metadata targets.
  ['http://169.254.169.254/x', ['0.0.0.0/0'], /metadata/],
  ['http://metadata.google.internal/x', ['*.google.internal'], /metadata/],
];

describe('checkEndpointUrl', () => {
  it.each(ALLOWED)('allows %s with %j', (url, list) => {
    expect(checkEndpointUrl(url, { allowlist: list })).toEqual({ ok: true });
  });

  it.each(REFUSED)('refuses %s with %j', (url, list, reason) => {
    const result = checkEndpointUrl(url, { allowlist: list });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
  });
});

describe("Canary's own Postgres and Redis hosts", () => {
  const policy = { allowlist: [], protectedHosts: ['postgres', 'redis.internal'] };
  it.each(['http://postgres:5432/', 'http://REDIS.internal:6379/x'])('%s is refused by name', (url) => {
    expect(checkEndpointUrl(url, policy)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/Canary's own database or Redis/),
    });
  });
  it('unless the allowlist names it', () => {
    expect(checkEndpointUrl('http://postgres:5432/', { ...policy, allowlist: ['postgres'] })).toEqual({
      ok: true,
    });
  });
});

describe('checkConnectedAddress: the address a name resolved to', () => {
  it.each<[string, string, string[], string[], RegExp | null]>([
    ['169.254.169.254.nip.io', '169.254.169.254', [], [], /metadata/],
    ['evil.example', '::ffff:169.254.169.254', [], [], /metadata/],
    ['evil.example', '64:ff9b::a9fe:a9fe', [], [], /metadata/],
    ['evil.example', '192.0.0.192', ['evil.example'], [], /metadata/],
    ['evil.example', 'fe80::1', ['fe80::/10'], [], /link-local/],
    ['evil.example', '127.0.0.1', [], [], /loopback/],
    ['evil.example', '127.0.0.1', ['0.0.0.0/0'], [], /loopback/],
    ['models.local', '127.0.0.1', ['models.local'], [], null],
    ['models.local', '127.0.0.1', ['127.0.0.1'], [], null],
    ['db.example', '10.0.0.5', [], ['10.0.0.5'], /Canary's own database or Redis/],
    ['db.example', '10.0.0.5', ['db.example'], ['10.0.0.5'], null],
    ['models.example', '10.0.0.6', [], ['10.0.0.5'], null],
    ['models.example', '93.184.216.34', [], [], null],
  ])('%s → %s with %j', (host, address, allowlist, own, refusal) => {
    const result = checkConnectedAddress(host, address, { allowlist }, own);
    if (refusal === null) expect(result).toBeNull();
    else expect(result).toMatch(refusal);
  });
});

describe('createAdapter', () => {
  it('refuses a metadata URL before sending anything', () => {
    expect(() =>
      createAdapter({ adapter: 'http', url: 'http://169.254.169.254/latest', options: {} }, { secrets: {} }),
    ).toThrow(expect.objectContaining({ code: 'endpoint_not_allowed' }));
  });

  it('applies a given allowlist', () => {
    expect(() =>
      createAdapter(
        { adapter: 'mlflow', url: 'http://127.0.0.1:1/m/invocations', options: {} },
        { secrets: {}, allowlist: ['models.internal'] },
      ),
    ).toThrow(expect.objectContaining({ code: 'endpoint_not_allowed' }));
  });

  it('refuses an invalid config', () => {
    expect(() =>
      createAdapter({ adapter: 'openai', url: 'http://127.0.0.1:1/v1', options: {} }, { secrets: {} }),
    ).toThrow(expect.objectContaining({ code: 'invalid_endpoint' }));
  });
});
