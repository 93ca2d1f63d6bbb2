import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type Stack, startStack, stringsIn, USER } from './stack.ts';

let s: Stack;

beforeAll(async () => {
  s = await startStack();
  await s.call('POST', '/api/v1/problems', JSON.stringify({ title: 'Existing problem' }));
});
afterAll(async () => {
  await s?.close();
});

const RUNS = 40;

const word = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('P-1', 'p-1', 'P-999999999999999999999', 'P-0', '0.5', '-1', '2', 'NaN', '1e309', '@here'),
  fc.constantFrom('http://169.254.169.254/latest', 'http://[fe80::1]/', 'ftp://x', 'http://user:pw@h/'),
  fc.constantFrom('<!channel>', '<@U123>', '<https://evil|click>', '&', '>', '"', '\u0000', '\u202e'),
  fc.constantFrom('http', 'openai', 'kserve-v2', 'm@v1', 'model@', '@v1'),
);

function commandText(subs: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .tuple(
        fc.constantFrom(...subs),
        fc.array(word, { maxLength: 6 }),
        fc.constantFrom(' ', '  ', '\t', '\n'),
      )
      .map(([sub, args, sep]) => [sub, ...args].join(sep)),
  );
}

/** Commands that may legitimately create a row when they succeed. */
function mayCreate(command: string, user: string, text: string): boolean {
  const sub = text.trim().split(/\s+/)[0]?.toLowerCase();
  if (command === '/problem') return sub === 'new';
  if (command === '/model') return sub === 'register' && user === ADMIN;
  return false;
}

async function fuzzCommand(command: string, subs: string[]): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(ADMIN, USER), commandText(subs), async (user, text) => {
      const before = await s.counts();
      const handled = s.handled();
      const replies = s.slackApi.responses.length;
      const calls = s.slackApi.calls.length;
      const res = await s.command(user, command, text);
      expect(res.status).toBe(200);
      await s.slackApi.waitFor(() => s.handled() > handled);
      expect(s.errorLogs()).toEqual([]);

      const newReplies = s.slackApi.responses.slice(replies).map((r) => r.body);
      const newCalls = s.slackApi.calls.slice(calls);
      // Someone heard back: a response_url reply, an opened modal or a posted message.
      expect(newReplies.length + newCalls.length).toBeGreaterThan(0);
      const refused = stringsIn(newReplies).some((t) => t.includes(':warning:') || t.includes(':no_entry:'));
      if (refused || !mayCreate(command, user, text)) expect(await s.counts()).toEqual(before);
    }),
    { numRuns: RUNS },
  );
}

describe('slash commands under fuzzing: always acked, always answered, nothing created on refusal', () => {
  it('/problem', async () => {
    await fuzzCommand('/problem', ['new', 'list', 'show', 'threshold', 'resolve', 'reopen', 'help', '']);
  });

  it('/pattern', async () => {
    await fuzzCommand('/pattern', ['add', 'list', 'help', 'remove', '']);
  });

  it('/model', async () => {
    await fuzzCommand('/model', ['register', 'list', 'compare', 'promote', 'help', '']);
  });
});
