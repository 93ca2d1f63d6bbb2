import type dns from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressGuard } from '../../src/endpoints/guarded-lookup.ts';
import { createTransport } from '../../src/endpoints/transport.ts';

/**
 * Names that only their DNS answer gives away. No network here, so the resolver is a table standing in
 * for DNS (169.254.169.254.nip.io really resolves to 169.254.169.254); the socket, agent and server are real.
 * The loopback server counts requests: a refusal must happen before anything is sent.
 */
const TABLE: Record<string, { address: string; family: number }[]> = {
  '169.254.169.254.nip.io': [{ address: '169.254.169.254', family: 4 }],
  'rebind.example': [{ address: '127.0.0.1', family: 4 }],
  'mixed.example': [
    { address: '127.0.0.1', family: 4 },
    { address: '169.254.169.254', family: 4 },
  ],
  'mapped.example': [{ address: '::ffff:169.254.169.254', family: 6 }],
  'nat64.example': [{ address: '64:ff9b::a9fe:a9fe', family: 6 }],
  'oracle.example': [{ address: '192.0.0.192', family: 4 }],
  'models.test': [{ address: '127.0.0.1', family: 4 }],
  db: [{ address: '127.0.0.1', family: 4 }],
};

const fakeResolve = ((hostname: string, options: unknown, callback: unknown) => {
  const cb = (typeof options === 'function' ? options : callback) as (
    err: NodeJS.ErrnoException | null,
    addresses: dns.LookupAddress[],
  ) => void;
  const found = TABLE[hostname];
  if (!found)
    return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
  cb(null, found);
}) as unknown as typeof dns.lookup;

let server: http.Server;
let port: number;
let received = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    received++;
    req.resume();
    res.end('{"label":"ok"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function post(host: string, allowlist: string[], protectedHosts: string[] = []) {
  const transport = createTransport({
    maxSockets: 1,
    timeoutMs: 2_000,
    guard: createAddressGuard({ allowlist, protectedHosts }, fakeResolve),
  });
  try {
    return await transport.postJson(`http://${host}:${port}/predict`, { text: 'x' }, {});
  } finally {
    transport.close();
  }
}

describe('SSRF by name: the address connected to is what is judged', () => {
  it.each<[string, string[], RegExp]>([
    [
      '169.254.169.254.nip.io',
      [],
      /169\.254\.169\.254\.nip\.io \(169\.254\.169\.254\) is a link-local or cloud metadata/,
    ],
    ['169.254.169.254.nip.io', ['169.254.169.254.nip.io', '169.254.0.0/16'], /metadata/],
    ['mapped.example', [], /metadata/],
    ['nat64.example', [], /metadata/],
    ['oracle.example', [], /metadata/],
    ['mixed.example', ['mixed.example'], /metadata/],
    ['rebind.example', [], /rebind\.example \(127\.0\.0\.1\) is a loopback address; it is refused unless/],
    ['rebind.example', ['0.0.0.0/0'], /loopback/],
    ['[::ffff:127.0.0.1]', [], /loopback/],
    ['127.0.0.1', [], /loopback/],
    ['db', ['db2'], /loopback/],
  ])('%s with allowlist %j is refused before a byte is sent', async (host, allowlist, reason) => {
    const before = received;
    const answer = await post(host, allowlist);
    expect(answer).toMatchObject({ ok: false, kind: 'refused', error: expect.stringMatching(reason) });
    expect(received).toBe(before);
  });

  it("a name for Canary's own database host is refused even when it is not loopback-looking", async () => {
    const before = received;
    const answer = await post('models.test', ['models.test'], ['db']);
    // models.test is allow-listed by name; the protected check is about db's addresses (127.0.0.1 here),
    // and naming models.test explicitly is what lets it through.
    expect(answer).toMatchObject({ ok: true, status: 200 });
    expect(received).toBe(before + 1);
    const refused = await post('rebind.example', ['0.0.0.0/0'], ['db']);
    expect(refused).toMatchObject({ ok: false, kind: 'refused' });
  });

  it.each<[string, string[]]>([
    ['models.test', ['models.test']],
    ['models.test', ['127.0.0.1']],
    ['127.0.0.1', ['127.0.0.1']],
  ])('%s with allowlist %j connects', async (host, allowlist) => {
    const before = received;
    expect(await post(host, allowlist)).toMatchObject({ ok: true, status: 200 });
    expect(received).toBe(before + 1);
  });
});
