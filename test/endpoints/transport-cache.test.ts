import type dns from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAddressGuard } from '../../src/endpoints/guarded-lookup.ts';
import { createTransport } from '../../src/endpoints/transport.ts';

/** A resolver whose table a test can change, counting how often it is asked. */
function tableResolver(table: Record<string, string>) {
  const calls: string[] = [];
  const resolve = ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (
      err: NodeJS.ErrnoException | null,
      addresses: dns.LookupAddress[],
    ) => void;
    calls.push(hostname);
    const address = table[hostname];
    if (!address) return cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), []);
    cb(null, [{ address, family: 4 }]);
  }) as unknown as typeof dns.lookup;
  return { resolve, calls };
}

describe('literal verdicts are kept with the protected addresses they were judged against', () => {
  it('a refused literal stays refused on every later request, answered without waiting', async () => {
    const guard = createAddressGuard({ allowlist: [] });
    const first = await guard.checkLiteral('127.0.0.1');
    expect(first).toMatch(/loopback/);
    const again = guard.checkLiteral('127.0.0.1');
    expect(again).toBe(first);
    expect(await guard.checkLiteral('[::1]')).toMatch(/loopback/);
    expect(guard.checkLiteral('[::1]')).toMatch(/loopback/);
    expect(await guard.checkLiteral('169.254.169.254')).toMatch(/metadata/);
    expect(guard.checkLiteral('169.254.169.254')).toMatch(/metadata/);
  });

  it('the allowlist decides the cached verdict: one guard allows, another refuses the same host', async () => {
    const allowing = createAddressGuard({ allowlist: ['127.0.0.1'] });
    const refusing = createAddressGuard({ allowlist: ['10.0.0.0/8'] });
    expect(await allowing.checkLiteral('127.0.0.1')).toBeNull();
    expect(allowing.checkLiteral('127.0.0.1')).toBeNull();
    for (let i = 0; i < 3; i++) expect(await refusing.checkLiteral('127.0.0.1')).toMatch(/loopback/);
  });

  it('names are not judged here (the lookup judges their addresses) and cost nothing to ask', () => {
    const guard = createAddressGuard({ allowlist: [] });
    expect(guard.checkLiteral('models.example.com')).toBeNull();
    expect(guard.checkLiteral('169.254.169.254.nip.io')).toBeNull();
  });

  it("re-resolves Canary's own hosts after the TTL, and the verdicts with them", async () => {
    let clock = 1_000_000;
    const table: Record<string, string> = { db: '10.0.0.5' };
    const { resolve, calls } = tableResolver(table);
    const guard = createAddressGuard({ allowlist: [], protectedHosts: ['db'] }, resolve, () => clock);
    expect(await guard.checkLiteral('10.0.0.5')).toMatch(/Canary's own database or Redis/);
    expect(await guard.checkLiteral('10.0.0.6')).toBeNull();
    expect(calls).toEqual(['db']);

    // The database moves; within the TTL the old address is still the one protected, as before caching.
    table['db'] = '10.0.0.6';
    clock += 59_000;
    expect(guard.checkLiteral('10.0.0.5')).toMatch(/own database/);
    expect(guard.checkLiteral('10.0.0.6')).toBeNull();
    expect(calls).toEqual(['db']);

    // Past the TTL the protected hosts are resolved again and no cached verdict survives.
    clock += 2_000;
    const moved = guard.checkLiteral('10.0.0.6');
    expect(await moved).toMatch(/own database/);
    expect(calls).toEqual(['db', 'db']);
    expect(await guard.checkLiteral('10.0.0.5')).toBeNull();
    expect(guard.checkLiteral('10.0.0.6')).toMatch(/own database/);
  });

  it('a protected host that stops resolving stops protecting only after the TTL', async () => {
    let clock = 0;
    const table: Record<string, string> = { db: '10.0.0.5' };
    const { resolve } = tableResolver(table);
    const guard = createAddressGuard({ allowlist: [], protectedHosts: ['db'] }, resolve, () => clock);
    expect(await guard.checkLiteral('10.0.0.5')).toMatch(/own database/);
    delete table['db'];
    clock += 30_000;
    expect(await guard.checkLiteral('10.0.0.5')).toMatch(/own database/);
    clock += 31_000;
    expect(await guard.checkLiteral('10.0.0.5')).toBeNull();
  });
});

describe('transport requests built from a URL parsed once', () => {
  let server: http.Server;
  let port: number;
  const seen: { url: string | undefined; headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ url: req.url, headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        if (req.url?.startsWith('/retry')) {
          res.statusCode = 503;
          res.setHeader('Retry-After', '7');
        }
        res.end('{"label":"ok"}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const transport = () =>
    createTransport({
      maxSockets: 2,
      timeoutMs: 2_000,
      guard: createAddressGuard({ allowlist: ['127.0.0.1'] }),
    });

  it('sends the same request line, Host, defaults and caller headers as the object form did', async () => {
    const t = transport();
    try {
      seen.length = 0;
      const url = `http://127.0.0.1:${port}/v2/models/a/infer?x=1`;
      const headers = { Authorization: 'Bearer t0k', 'Content-Type': 'application/json; charset=utf-8' };
      const one = await t.postJson(url, { n: 1 }, headers);
      const two = await t.postJson(url, { n: 22 }, headers);
      const three = await t.postJson(url, { n: 333 }, {});
      for (const r of [one, two, three])
        expect(r).toMatchObject({ ok: true, status: 200, body: '{"label":"ok"}' });
      expect(seen.map((s) => s.url)).toEqual(Array(3).fill('/v2/models/a/infer?x=1'));
      expect(seen.map((s) => s.body)).toEqual(['{"n":1}', '{"n":22}', '{"n":333}']);
      expect(seen[0]?.headers).toMatchObject({
        host: `127.0.0.1:${port}`,
        accept: 'application/json',
        'content-type': 'application/json; charset=utf-8',
        'content-length': '7',
        authorization: 'Bearer t0k',
        connection: 'keep-alive',
      });
      expect(seen[1]?.headers['content-length']).toBe('8');
      expect(seen[2]?.headers).toMatchObject({ 'content-type': 'application/json', 'content-length': '9' });
      expect(seen[2]?.headers['authorization']).toBeUndefined();
    } finally {
      t.close();
    }
  });

  it("keeps a caller's Host header and sends URL credentials as Basic authorization", async () => {
    const t = transport();
    try {
      seen.length = 0;
      await t.postJson(`http://127.0.0.1:${port}/a`, {}, { host: 'models.internal' });
      await t.postJson(`http://u%40x:p%3Aw@127.0.0.1:${port}/b`, {}, {});
      expect(seen[0]?.headers.host).toBe('models.internal');
      expect(seen[1]?.headers.host).toBe(`127.0.0.1:${port}`);
      expect(seen[1]?.headers.authorization).toBe(`Basic ${Buffer.from('u@x:p:w').toString('base64')}`);
    } finally {
      t.close();
    }
  });

  it('reads Retry-After from the raw header list', async () => {
    const t = transport();
    try {
      expect(await t.postJson(`http://127.0.0.1:${port}/retry`, {}, {})).toMatchObject({
        ok: true,
        status: 503,
        retryAfter: '7',
      });
    } finally {
      t.close();
    }
  });

  it('a literal refused once is refused again before a byte is sent', async () => {
    const t = createTransport({
      maxSockets: 1,
      timeoutMs: 2_000,
      guard: createAddressGuard({ allowlist: [] }),
    });
    try {
      seen.length = 0;
      for (let i = 0; i < 3; i++)
        expect(await t.postJson(`http://127.0.0.1:${port}/x`, {}, {})).toMatchObject({
          ok: false,
          kind: 'refused',
        });
      expect(seen).toHaveLength(0);
    } finally {
      t.close();
    }
  });

  it('an abort while the protected hosts resolve is honoured before sending', async () => {
    const slow = ((_h: string, _o: unknown, cb: (e: null, a: dns.LookupAddress[]) => void) =>
      setTimeout(() => cb(null, [{ address: '10.9.9.9', family: 4 }]), 50)) as unknown as typeof dns.lookup;
    const t = createTransport({
      maxSockets: 1,
      timeoutMs: 2_000,
      guard: createAddressGuard({ allowlist: ['127.0.0.1'], protectedHosts: ['db'] }, slow),
    });
    try {
      seen.length = 0;
      const controller = new AbortController();
      const pending = t.postJson(`http://127.0.0.1:${port}/x`, {}, {}, controller.signal);
      controller.abort();
      expect(await pending).toMatchObject({ ok: false, kind: 'aborted' });
      expect(seen).toHaveLength(0);
    } finally {
      t.close();
    }
  });
});
