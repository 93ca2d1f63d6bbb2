import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID, TEAM_ID } from '../support/slack-api/index.ts';
import { commandBody, FORM, interactionBody, sendSigned } from '../support/slack-requests.ts';
import { ADMIN, CHANNEL, type Stack, startStack, stringsIn, USER } from './stack.ts';

let s: Stack;
/** SLACK_TEAM_IDS / SLACK_APP_ID set, for the signed-request class. */
let pinned: Stack;

beforeAll(async () => {
  [s, pinned] = await Promise.all([startStack(), startStack({ teamIds: [TEAM_ID], appId: APP_ID })]);
  await s.call('POST', '/api/v1/problems', JSON.stringify({ title: 'Existing problem' }));
});
afterAll(async () => {
  await Promise.all([s?.close(), pinned?.close()]);
  // Printed for the closing note; a crash (5xx, error log) or a lost request fails the property above.
  process.stdout.write(`slack-fuzz figures ${JSON.stringify(figures)}\n`);
});

/** Inputs tried and refused per class; crashed and lost stay 0 or the property fails. */
const figures: Record<string, { tried: number; refused: number; crashed: 0; lost: 0 }> = {};
const count = (cls: string, refused: boolean) => {
  const f = figures[cls] ?? { tried: 0, refused: 0, crashed: 0, lost: 0 };
  figures[cls] = f;
  f.tried++;
  if (refused) f.refused++;
};

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
      count(command, refused);
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

const nowSec = () => Math.floor(Date.now() / 1000);

/** Offsets from now, in seconds, away from the ±300 s edges where a second ticking over could decide. */
const offset = fc.oneof(
  { arbitrary: fc.integer({ min: -295, max: 295 }), weight: 4 },
  fc.integer({ min: 305, max: 100_000 }),
  fc.integer({ min: -100_000, max: -305 }),
  fc.constantFrom(0, 1, -1, 600, -600, 86_400),
);
const id = (ours: string) =>
  fc.oneof(
    fc.constant(ours),
    fc.constant(ours),
    fc.constantFrom('', ours.toLowerCase(), ` ${ours}`, `${ours}X`, 'T0OTHER', 'A0OTHER', 'E0CANARY'),
    fc.string({ maxLength: 12 }),
  );

let sent = 0;

/** A new body each run (the command's trigger_id, the options' view id): equal runs are not replays. */
function signedBody(kind: 'command' | 'options', team: string, app: string): string {
  sent += 1;
  if (kind === 'command')
    return commandBody({
      command: '/problem',
      text: 'list',
      user_id: USER,
      channel_id: CHANNEL,
      response_url: pinned.slackApi.responseUrl(),
      team_id: team,
      api_app_id: app,
    });
  return interactionBody({
    type: 'block_suggestion',
    user: { id: USER, name: 'mallory', team_id: team },
    team: { id: team, domain: 'example' },
    api_app_id: app,
    token: 'verification-token-unused',
    action_id: 'value',
    block_id: 'problem',
    value: 'P-',
    container: { type: 'view', view_id: `V0FUZZ${sent}` },
  });
}

describe('signed requests under fuzzing: window both ways, team and app, replays', () => {
  it('each is answered by the rule it meets, runs at most once, and never errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('command' as const, 'options' as const),
        offset,
        id(TEAM_ID),
        id(APP_ID),
        fc.integer({ min: 1, max: 3 }),
        async (kind, ahead, team, app, deliveries) => {
          const body = signedBody(kind, team, app);
          const timestamp = nowSec() + ahead;
          const expected = Math.abs(ahead) > 300 ? 401 : team !== TEAM_ID || app !== APP_ID ? 403 : 200;
          const received = pinned.received();
          for (let i = 0; i < deliveries; i++) {
            const res = await sendSigned(pinned.slackUrl, pinned.secret, body, FORM, { timestamp });
            expect(res.status).toBe(expected);
          }
          // Listeners ack before Bolt answers, so whatever was going to run has been counted by now.
          expect(pinned.received()).toBe(received + (expected === 200 ? 1 : 0));
          await pinned.slackApi.waitFor(() => pinned.handled() >= received + (expected === 200 ? 1 : 0));
          expect(pinned.errorLogs()).toEqual([]);
          const cls = {
            401: 'signed: outside the window',
            403: 'signed: other team or app',
            200: 'signed: ours',
          };
          count(cls[expected], expected !== 200);
          for (let i = 1; i < deliveries; i++)
            count(expected === 200 ? 'signed: replay of an accepted request' : cls[expected], true);
        },
      ),
      { numRuns: 120 },
    );
  });
});
