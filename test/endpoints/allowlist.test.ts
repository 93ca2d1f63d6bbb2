import { describe, expect, it } from 'vitest';
import { checkEndpointUrl } from '../../src/endpoints/allowlist.ts';
import { createAdapter } from '../../src/endpoints/index.ts';

const ALLOWED: [string, string[]][] = [
  ['http://127.0.0.1:8080/v2/models/a/infer', []],
  ['https://models.example.com/predict', []],
  ['https://models.example.com/predict', ['models.example.com']],
  ['https://MODELS.example.com./predict', ['models.example.com']],
  ['https://a.models.example.com/x', ['*.models.example.com']],
  ['http://10.1.2.3:9000/x', ['10.0.0.0/8']],
  ['http://[::1]:9000/x', ['::1/128']],
  ['http://[2001:db8::5]/x', ['2001:db8::/32']],
  ['http://169.254.169.254/latest', ['169.254.169.254']],
  ['http://169.254.10.1/x', ['169.254.0.0/16']],
  ['http://metadata.google.internal/computeMetadata', ['metadata.google.internal']],
  ['http://[fe80::1]/x', ['fe80::/10']],
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
  // A broad entry is not an explicit allowance for metadata targets.
  ['http://169.254.169.254/x', ['0.0.0.0/0'], /metadata/],
  ['http://metadata.google.internal/x', ['*.google.internal'], /metadata/],
];

describe('checkEndpointUrl', () => {
  it.each(ALLOWED)('allows %s with %j', (url, list) => {
    expect(checkEndpointUrl(url, list)).toEqual({ ok: true });
  });

  it.each(REFUSED)('refuses %s with %j', (url, list, reason) => {
    const result = checkEndpointUrl(url, list);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
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
