import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION } from '../../src/slack/blocks/ids.ts';
import { startSlackApi } from '../support/slack-api/index.ts';
import { FLAG, harnessPerFile, OTHER, USER } from './harness.ts';

/**
 * Flags in a group DM, with the Slack double granting exactly the manifest's scopes and checking the one
 * each conversation type needs (mpim:history for a group DM, as Slack does).
 */
const manifest = parse(readFileSync(new URL('../../slack/manifest.yaml', import.meta.url), 'utf8')) as {
  oauth_config: { scopes: { bot: string[] } };
};
const h = harnessPerFile({ scopes: manifest.oauth_config.scopes.bot });
const GROUP_DM = 'G0MPIMTEST';

describe('flag reaction in a group DM', () => {
  it('reads the flagged message with the manifest scopes and prompts in its thread', async () => {
    h.api.addChannel({ id: GROUP_DM, name: 'mpdm-alice--bob-1', members: [USER, OTHER], isMpim: true });
    const output = h.api.addMessage(GROUP_DM, {
      user: 'U0PRODBOT',
      text: 'model says: "not bad" → negative',
    });
    const res = await h.event({
      type: 'reaction_added',
      user: USER,
      reaction: FLAG,
      item: { type: 'message', channel: GROUP_DM, ts: output.ts },
      item_user: 'U0PRODBOT',
    });
    expect(res.status).toBe(200);
    const prompt = await h.api.waitFor(() =>
      h.api
        .thread(GROUP_DM, output.ts)
        .find((m) => m.ts !== output.ts && JSON.stringify(m.blocks).includes(ACTION.flagSave)),
    );
    expect(prompt.thread_ts).toBe(output.ts);
  });

  it('without mpim:history Slack refuses to read a group DM (so the scope check above means something)', async () => {
    const scopes = manifest.oauth_config.scopes.bot.filter((x) => x !== 'mpim:history');
    const api = await startSlackApi({ scopes });
    try {
      api.addChannel({ id: GROUP_DM, name: 'mpdm', isMpim: true });
      api.addChannel({ id: 'C0PUBLIC', name: 'public' });
      const read = async (channel: string) => {
        const res = await fetch(`${api.url}conversations.history`, {
          method: 'POST',
          headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json' },
          body: JSON.stringify({ channel, limit: 1 }),
        });
        return (await res.json()) as { ok: boolean; error?: string; needed?: string };
      };
      expect(await read(GROUP_DM)).toMatchObject({
        ok: false,
        error: 'missing_scope',
        needed: 'mpim:history',
      });
      expect(await read('C0PUBLIC')).toMatchObject({ ok: true });
    } finally {
      await api.close();
    }
  });
});
