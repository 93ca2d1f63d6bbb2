import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_SPEC_DIR } from '../support/slack-spec.ts';

const SCHEMA_DIR = SLACK_SPEC_DIR;
const MANIFEST = new URL('../../slack/manifest.yaml', import.meta.url);
// The dispatching schema $refs the versioned ones by these published URLs.
const PUBLISHED = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/';

function readJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), 'utf8')) as Record<string, unknown>;
}

function validator() {
  // Slack's schemas carry annotation keys ajv does not know (`_note`, `requires`, example objects): tolerate those.
  const ajv = new Ajv({ allErrors: true, strict: false });
  // Slack's schemas use a non-standard `regex` keyword; enforce it like `pattern` rather than ignore it.
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    validate: (pattern: string, data: string) => new RegExp(pattern).test(data),
  });
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  for (const version of ['1.0.0', '2.0.0']) {
    const name = `manifest.schema.${version}.json`;
    ajv.addSchema({ ...readJson(name), $id: `${PUBLISHED}${name}` });
  }
  return ajv.compile(readJson('manifest.schema.json'));
}

interface Manifest {
  display_information: { name: string };
  features: {
    bot_user?: { display_name: string };
    app_home?: { home_tab_enabled?: boolean };
    slash_commands: { command: string; url: string; description: string; usage_hint?: string }[];
    shortcuts: { name: string; type: string; callback_id: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
}

const manifest = parse(readFileSync(MANIFEST, 'utf8')) as Manifest;
const REQUEST_URL = 'https://canary.example.com/slack/events';

describe('slack/manifest.yaml', () => {
  it('is valid against Slack’s app manifest schema', () => {
    const validate = validator();
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema really rejects a broken manifest', () => {
    const validate = validator();
    const broken = structuredClone(manifest) as unknown as { features: { slash_commands: unknown[] } };
    broken.features.slash_commands.push({ command: 'no-slash', description: 'x' });
    expect(validate(broken)).toBe(false);
    expect(validate({ ...manifest, display_information: { name: 'Canary', background_color: 'blue' } })).toBe(
      false,
    );
  });

  it('names the app Canary with a bot user and the home tab', () => {
    expect(manifest.display_information.name).toBe('Canary');
    expect(manifest.features.bot_user?.display_name).toBe('Canary');
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
  });

  it.each(['/problem', '/pattern', '/model'])(
    'declares %s with a description, usage hint and the events URL',
    (command) => {
      const found = manifest.features.slash_commands.find((c) => c.command === command);
      expect(found).toMatchObject({ url: REQUEST_URL });
      expect(found?.description).toBeTruthy();
      expect(found?.usage_hint).toBeTruthy();
    },
  );

  it('declares the "Add as pattern" message shortcut', () => {
    expect(manifest.features.shortcuts).toContainEqual(
      expect.objectContaining({ name: 'Add as pattern', type: 'message', callback_id: 'add_as_pattern' }),
    );
  });

  it('routes interactivity and events to the Bolt endpoint over HTTP', () => {
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: REQUEST_URL });
    expect(manifest.settings.event_subscriptions.request_url).toBe(REQUEST_URL);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining([
        'reaction_added',
        'reaction_removed',
        'app_home_opened',
        'app_mention',
        'member_joined_channel',
      ]),
    );
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it('asks for the bot scopes Canary uses, and app_mention’s app_mentions:read', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'commands',
        'chat:write',
        'chat:write.public',
        'channels:history',
        'groups:history',
        'reactions:read',
        'reactions:write',
        'files:write',
        'users:read',
        'channels:read',
        'groups:read',
        'im:write',
        'app_mentions:read',
      ]),
    );
  });
});
