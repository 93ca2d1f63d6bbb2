import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problems } from '../../src/db/schema.ts';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { sendEvent } from '../support/slack-requests.ts';
import { CHANNEL, type Stack, startStack, USER } from './stack.ts';

/** Everything a user could type that Slack would turn into a ping, a mention or a disguised link. */
const HOSTILE = 'Zq <!channel> <@U123> @here @channel <!here> <https://evil.example|click> Zq & Zq > Zq';
/** Raw forms that must never reach Slack's mrkdwn from user text. */
const RAW = ['<!channel>', '<@U123>', '<!here>', '<https://evil', '@here', '@channel', 'Zq & Zq', 'Zq > Zq'];

let s: Stack;

beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});

interface Rendered {
  where: string;
  text: string;
}

/**
 * Every string Slack renders as mrkdwn: `text` fields (top-level fallbacks, sections, context elements,
 * attachments), except plain_text objects, which Slack shows literally and never turns into mentions.
 */
function mrkdwnTexts(value: unknown, where: string, out: Rendered[] = []): Rendered[] {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) mrkdwnTexts(v, `${where}[${i}]`, out);
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [key, v] of Object.entries(obj)) {
      if (typeof v === 'string') {
        if (['text', 'fallback', 'pretext'].includes(key) && obj.type !== 'plain_text')
          out.push({ where: `${where}.${key}`, text: v });
      } else mrkdwnTexts(v, `${where}.${key}`, out);
    }
  }
  return out;
}

function everythingRendered(): Rendered[] {
  return [
    ...s.slackApi.calls.flatMap((c, i) => mrkdwnTexts(c.args, `${c.method}#${i}`)),
    ...s.slackApi.responses.flatMap((r, i) => mrkdwnTexts(r.body, `response#${i}`)),
  ];
}

describe('user text in Slack messages is escaped', () => {
  it('a problem title, a pattern input and a flagged message never ping, mention or link', async () => {
    // A problem titled with the hostile text: its card, list and detail views.
    await s.command(USER, '/problem', `new ${HOSTILE}`);
    const [problem] = await s.slackApi.waitFor(async () => {
      const rows = await s.db.db.select().from(problems);
      return rows[0]?.homeTs ? rows : null;
    });
    const key = problem?.key as string;
    expect(problem?.title).toBe(HOSTILE);

    // A pattern whose input is the hostile text, through the modal.
    await s.command(USER, '/pattern', `add ${key}`);
    const view = await s.slackApi.waitFor(() =>
      s.slackApi.views.find((v) => v.view.callback_id === 'pattern_add'),
    );
    const saved = await s.submitView(view.id, USER, {
      input: { value: { type: 'plain_text_input', value: HOSTILE } },
      input_format: { value: { type: 'static_select', selected_option: { value: 'text' } } },
      expect_kind: { value: { type: 'static_select', selected_option: { value: 'label' } } },
      expect_value: { value: { type: 'plain_text_input', value: 'negative' } },
      polarity: { value: { type: 'radio_buttons', selected_option: { value: 'positive' } } },
      notes: { value: { type: 'plain_text_input', value: HOSTILE } },
    });
    expect(saved.status).toBe(200);
    await s.slackApi.waitFor(() =>
      s.slackApi
        .thread(CHANNEL, problem?.homeTs as string)
        .find((m) => (m.text ?? '').includes('added pattern')),
    );

    // A production message with the hostile text, flagged with the reaction.
    const output = s.slackApi.addMessage(CHANNEL, { user: 'U0PRODBOT', text: HOSTILE });
    const handled = s.handled();
    expect((await sendFlag(output.ts)).status).toBe(200);
    await s.slackApi.waitFor(() => s.handled() > handled);
    await s.slackApi.waitFor(() =>
      s.slackApi
        .thread(CHANNEL, output.ts)
        .find((m) => JSON.stringify(m.blocks ?? []).includes(ACTION.flagSave)),
    );

    for (const text of [`show ${key}`, 'list']) await commandAndWait('/problem', text);
    await commandAndWait('/pattern', `list ${key}`);

    const rendered = everythingRendered();
    // The hostile text did reach Slack, escaped, in several places.
    const escaped = rendered.filter((r) => r.text.includes('Zq &amp; Zq &gt; Zq'));
    expect(escaped.length).toBeGreaterThanOrEqual(4);
    const prompt = s.slackApi.callsTo('chat.postMessage').find((c) => c.args.thread_ts === output.ts);
    expect(mrkdwnTexts(prompt?.args, 'flag prompt').some((r) => r.text.includes('Zq &amp; Zq &gt; Zq'))).toBe(
      true,
    );
    const offenders = rendered.filter((r) => RAW.some((raw) => r.text.includes(raw)));
    expect(offenders).toEqual([]);
  });
});

async function commandAndWait(command: string, text: string): Promise<void> {
  const handled = s.handled();
  const res = await s.command(USER, command, text);
  expect(res.status).toBe(200);
  await s.slackApi.waitFor(() => s.handled() > handled);
}

function sendFlag(ts: string) {
  return sendEvent(s.slackUrl, s.secret, {
    type: 'reaction_added',
    user: USER,
    reaction: 'triangular_flag_on_post',
    item: { type: 'message', channel: CHANNEL, ts },
    item_user: 'U0PRODBOT',
  });
}
