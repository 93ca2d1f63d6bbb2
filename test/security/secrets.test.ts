import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../../src/db/schema.ts';
import { createAdapter } from '../../src/endpoints/index.ts';
import { ADMIN, everythingSentToSlack, type Stack, startStack } from './stack.ts';

const SECRET = `sk-${randomBytes(16).toString('hex')}`;

/** A model server that answers with whatever Authorization it got, in the ways servers leak headers. */
let modelServer: Server;
let modelUrl: string;
let s: Stack;

beforeAll(async () => {
  modelServer = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const path = req.url ?? '/';
    if (path.startsWith('/unauthorised')) return res.writeHead(401).end(`bad token ${auth}`);
    if (path.startsWith('/cut')) return res.writeHead(403).end(`${'x'.repeat(186)}${auth}`);
    if (path.startsWith('/crash')) return res.writeHead(500).end(`{"trace":"header=${auth}"}`);
    if (path.startsWith('/encoded')) {
      const forms = encodings(auth);
      const body = path.includes('fail')
        ? `${JSON.stringify(forms)}`
        : JSON.stringify({ label: 'ok', ...forms });
      return res
        .writeHead(path.includes('fail') ? 400 : 200, { 'content-type': 'application/json' })
        .end(body);
    }
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echoed: auth }));
  });
  await new Promise<void>((r) => modelServer.listen(0, '127.0.0.1', r));
  modelUrl = `http://127.0.0.1:${(modelServer.address() as AddressInfo).port}`;
  s = await startStack({ endpointSecrets: ['MODEL_TOKEN'], allowlist: ['127.0.0.1'] });
});
afterAll(async () => {
  await s?.close();
  await new Promise<void>((r) => modelServer?.close(() => r()));
});

/** What the adapter answers for one input, as it would be stored in results and shown in reports. */
async function predictVia(path: string): Promise<string> {
  const adapter = createAdapter(
    {
      adapter: 'http',
      url: `${modelUrl}${path}`,
      options: { headersFromEnv: { Authorization: 'MODEL_TOKEN' }, retries: 0, labelPath: 'label' },
    },
    { secrets: { MODEL_TOKEN: SECRET }, allowlist: ['127.0.0.1'] },
  );
  try {
    return JSON.stringify(await adapter.predict(['hello']));
  } finally {
    await adapter.close();
  }
}

/** The ways a server echoes a header back: as is, re-cased, URL-encoded, base64 alone or inside Basic auth. */
function encodings(value: string): Record<string, string> {
  return {
    plain: value,
    upper: value.toUpperCase(),
    lower: value.toLowerCase(),
    url: encodeURIComponent(`${value} & more`),
    base64: Buffer.from(value).toString('base64'),
    base64url: Buffer.from(value).toString('base64url'),
    basic1: Buffer.from(`u:${value}`).toString('base64'),
    basic2: Buffer.from(`us:${value}`).toString('base64'),
    basic3: Buffer.from(`use:${value}`).toString('base64'),
    [`key-${value}`]: 'in a key',
  };
}

function leaks(text: string): string[] {
  return Object.entries(encodings(SECRET))
    .filter(
      ([name, form]) =>
        !name.startsWith('key-') &&
        name !== 'basic1' &&
        name !== 'basic2' &&
        name !== 'basic3' &&
        text.includes(form),
    )
    .map(([name]) => name)
    .concat(
      ['basic1', 'basic2', 'basic3'].filter((n) => {
        const form = encodings(SECRET)[n] as string;
        // The tail of the encoding that depends only on the secret's bytes.
        return text.includes(form.slice(8, -4));
      }),
    );
}

describe('encoded echoes of a secret', () => {
  it('a successful answer echoing the secret in any encoding has every copy redacted before it is stored', async () => {
    const answer = await predictVia('/encoded');
    expect(answer).toContain('"label":"ok"');
    expect(answer).toContain('"key-[redacted]":"in a key"');
    expect(leaks(answer)).toEqual([]);
  });

  it('an error body echoing it in any encoding too', async () => {
    const answer = await predictVia('/encoded-fail');
    expect(answer).toContain('HTTP 400');
    expect(leaks(answer)).toEqual([]);
  });
});

function expectNowhere(secret: string, seen: string[]): void {
  for (const text of seen) expect(text).not.toContain(secret);
}

describe('secrets referenced by headersFromEnv', () => {
  it('the value never reaches the database, API responses, Slack or the log, even when the model echoes it', async () => {
    const seen: string[] = [];
    const registered = await s.call(
      'POST',
      '/api/v1/models',
      JSON.stringify({
        name: 'secretive',
        version: 'v1',
        endpoint: {
          adapter: 'http',
          url: `${modelUrl}/predict`,
          headersFromEnv: { Authorization: 'MODEL_TOKEN' },
        },
      }),
    );
    expect(registered.status).toBe(201);
    expect(registered.text).toContain('MODEL_TOKEN');
    seen.push(registered.text);
    for (const path of [
      '/api/v1/models',
      '/api/v1/models/secretive/v1/report',
      '/api/v1/models/secretive/v1/gate',
    ]) {
      seen.push((await s.call('GET', path)).text);
    }

    const [row] = await s.db.db.select().from(models);
    expect(row?.endpointOptions).toMatchObject({ headersFromEnv: { Authorization: 'MODEL_TOKEN' } });
    seen.push(JSON.stringify(row));

    // The secret does go to the model server (that is its point), but every error built from what the
    // server said back is redacted before it can be stored, posted or logged.
    const answers: string[] = [];
    for (const path of ['/unauthorised', '/crash', '/predict']) answers.push(await predictVia(path));
    expect(answers.join('\n')).toContain('[redacted]');
    seen.push(...answers);

    s.slackApi.reset();
    for (const text of ['list', 'compare secretive@v1 secretive@v1', 'promote secretive@v1']) {
      const handled = s.handled();
      await s.command(ADMIN, '/model', text);
      await s.slackApi.waitFor(() => s.handled() > handled);
    }
    expect(s.slackApi.responses.length).toBeGreaterThan(0);
    seen.push(JSON.stringify(everythingSentToSlack(s.slackApi)));
    seen.push(s.logs());

    expectNowhere(SECRET, seen);
    // Nor a recognisable piece of it (a cut-off snippet must not leave its head behind).
    expectNowhere(SECRET.slice(0, 12), seen);
  });

  it('an error snippet cut mid-secret leaves no piece of the secret behind', async () => {
    // The server echoes the token so that the 200-character snippet ends inside it.
    const answer = await predictVia('/cut');
    expect(answer).toMatch(/HTTP 403/);
    expect(answer).not.toContain(SECRET.slice(0, 8));
  });

  it.each([
    ['a bearer token', 'Bearer sk-live-abc123def456'],
    ['a token with dashes', 'sk-live-abc123def456'],
    ['a token with a colon', 'user:sk-live-abc123def456'],
  ])('a typed secret (%s) in headersFromEnv is refused without echoing it', async (_, typed) => {
    const before = await s.counts();
    const res = await s.call(
      'POST',
      '/api/v1/models',
      JSON.stringify({
        name: 'leaky',
        version: 'v1',
        endpoint: { adapter: 'http', url: `${modelUrl}/predict`, headersFromEnv: { Authorization: typed } },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: { code: 'validation', message: expect.stringMatching(/NAME of an environment variable/) },
    });
    expect(res.text).not.toContain('abc123def456');
    expect(s.logs()).not.toContain('abc123def456');
    expect(await s.counts()).toEqual(before);
  });
});
