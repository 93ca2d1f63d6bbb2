import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenMatches } from '../../src/http/auth.ts';
import { type Stack, startStack, TOKEN } from './stack.ts';

let s: Stack;

beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});

const digest = (t: string) => createHash('sha256').update(t, 'utf8').digest();

describe('REST API tokens', () => {
  const wrong: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['a wrong token of the same length', { authorization: `Bearer ${'x'.repeat(TOKEN.length)}` }],
    ['a shorter token', { authorization: 'Bearer abc' }],
    ['a much longer token', { authorization: `Bearer ${TOKEN}${'x'.repeat(10_000)}` }],
    ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the token plus one character', { authorization: `Bearer ${TOKEN}0` }],
    ['the token in another case', { authorization: `Bearer ${TOKEN.toUpperCase()}` }],
    ['the token under another scheme', { authorization: `Basic ${TOKEN}` }],
    ['the token without a scheme', { authorization: TOKEN }],
    ['two tokens', { authorization: `Bearer ${TOKEN} ${TOKEN}` }],
    ['the token in another header', { 'x-api-token': TOKEN }],
  ];

  it.each(wrong)('%s → 401 with a clear error, and nothing runs', async (_, headers) => {
    const before = await s.counts();
    for (const [method, path, body] of [
      ['GET', '/api/v1/problems', null],
      ['POST', '/api/v1/problems', JSON.stringify({ title: 'Sneaky' })],
      [
        'POST',
        '/api/v1/models',
        JSON.stringify({ name: 'm', version: '1', endpoint: { adapter: 'http', url: 'http://127.0.0.1/' } }),
      ],
    ] as const) {
      const res = await fetch(`${s.api.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe('unauthorized');
      expect(json.error.message.length).toBeGreaterThan(10);
      expect(JSON.stringify(json)).not.toContain(TOKEN);
    }
    expect(await s.counts()).toEqual(before);
  });

  it('a token in the query string is not a token', async () => {
    const res = await fetch(`${s.api.url}/api/v1/problems?token=${TOKEN}&access_token=${TOKEN}`);
    expect(res.status).toBe(401);
  });

  it('the right token passes (the refusals above are about the token)', async () => {
    const res = await s.call('GET', '/api/v1/problems');
    expect(res.status).toBe(200);
  });

  it('rejected tokens never reach the log', async () => {
    await s.call('GET', '/api/v1/problems', null, 'wrong-token-in-logs-0042');
    expect(s.logs()).not.toContain('wrong-token-in-logs-0042');
    expect(s.logs()).not.toContain(TOKEN);
  });
});

describe('tokenMatches (the compare itself)', () => {
  const configured = [digest(TOKEN), digest('second-token')];

  it.each([
    ['the token', TOKEN, true],
    ['the second token', 'second-token', true],
    ['empty', '', false],
    ['a prefix', TOKEN.slice(0, 5), false],
    ['one character more', `${TOKEN}!`, false],
    ['a megabyte', 'x'.repeat(1_000_000), false],
    ['non-ASCII of the same length', 'é'.repeat(TOKEN.length), false],
  ])('%s → %s, without throwing on a length mismatch', (_, presented, expected) => {
    expect(tokenMatches(presented, configured)).toBe(expected);
  });

  it('any string of any length is answered, never thrown on, and only the exact tokens match', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (presented) => {
        expect(tokenMatches(presented, configured)).toBe(presented === TOKEN || presented === 'second-token');
      }),
      { numRuns: 500 },
    );
  });

  it('compares fixed-length sha256 digests with crypto.timingSafeEqual and checks every token', () => {
    const source = readFileSync(new URL('../../src/http/auth.ts', import.meta.url), 'utf8');
    const body = source.slice(source.indexOf('export function tokenMatches'));
    const fn = body.slice(0, body.indexOf('\n}\n'));
    expect(source).toMatch(/import \{[^}]*\btimingSafeEqual\b[^}]*\} from 'node:crypto'/);
    expect(source).toMatch(/createHash\('sha256'\)/);
    expect(fn).toMatch(/timingSafeEqual\(candidate, token\)/);
    expect(fn).toMatch(/const candidate = digest\(presented\)/);
    // No early exit: the loop runs over every configured token whatever matched.
    expect(fn).not.toMatch(/return true/);
    expect(fn).not.toMatch(/\bbreak\b/);
    expect(fn).not.toMatch(/===|!==/);
  });
});
