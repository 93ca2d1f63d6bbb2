import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  EVENT_SCOPES,
  EXTRA_SCOPES,
  requiredBotScopes,
  SDK_HELPERS,
  WEB_API_SCOPES,
} from '../../src/slack/web-api/scopes.ts';
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
    interactivity: { is_enabled: boolean; request_url: string; message_menu_options_url?: string };
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
    // The options load URL serves the type-ahead problem pickers (external_select → block_suggestion).
    expect(manifest.settings.interactivity).toEqual({
      is_enabled: true,
      request_url: REQUEST_URL,
      message_menu_options_url: REQUEST_URL,
    });
    expect(manifest.settings.event_subscriptions.request_url).toBe(REQUEST_URL);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['reaction_added', 'reaction_removed', 'app_home_opened']),
    );
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});

/** Every `*.ts` under src/, with its path, for reading what the code registers and calls. */
function sources(dir = new URL('../../src/', import.meta.url)): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ path: f, text: readFileSync(new URL(f, dir), 'utf8') }));
}

/** Web API methods called through a WebClient (`client.chat.postMessage(`, `to.client.views.open(`). */
function calledMethods(): Map<string, string[]> {
  const called = new Map<string, string[]>();
  for (const { path, text } of sources()) {
    for (const m of text.matchAll(/\bclient\.([a-z]+(?:\.[a-z]+)?\.[a-zA-Z0-9]+)\(/g)) {
      const method = m[1] as string;
      called.set(method, [...(called.get(method) ?? []), path]);
    }
  }
  return called;
}

/** Events with a listener: `app.event('reaction_added', …)`. */
function handledEvents(): string[] {
  const events = new Set<string>();
  for (const { text } of sources())
    for (const m of text.matchAll(/app\.event\(\s*'([a-z_]+)'/g)) events.add(m[1] as string);
  return [...events].sort();
}

describe('slack/manifest.yaml agrees with the code', () => {
  const docScopes = (method: string): string[] => {
    const doc = JSON.parse(readFileSync(new URL(`methods/${method}.json`, SLACK_SPEC_DIR), 'utf8')) as {
      scopes?: { bot?: { name: string }[] };
    };
    return (doc.scopes?.bot ?? []).map((s) => s.name);
  };

  it('every Web API method the code calls is in the scope table, and every table entry is called', () => {
    const called = calledMethods();
    const expanded = new Set([...called.keys()].flatMap((m): string[] => [...(SDK_HELPERS[m] ?? [m])]));
    expect([...expanded].sort()).toEqual(Object.keys(WEB_API_SCOPES).sort());
  });

  it("the scope table matches Slack's own method reference", () => {
    for (const [method, scopes] of Object.entries(WEB_API_SCOPES)) {
      const documented = docScopes(method);
      // Every scope the table gives is one Slack names for the method; a method with scopes gets one.
      for (const s of scopes) expect(documented, `${method}: ${s}`).toContain(s);
      if (documented.length > 0) expect(scopes.length, method).toBeGreaterThan(0);
    }
    for (const [scope, { for: method }] of Object.entries(EXTRA_SCOPES)) {
      expect(Object.keys(WEB_API_SCOPES)).toContain(method);
      expect(docScopes(method)).not.toContain(scope);
    }
  });

  it('subscribes to exactly the events that have a listener', () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual(handledEvents());
    expect(Object.keys(EVENT_SCOPES).sort()).toEqual(handledEvents());
  });

  it('asks for exactly the scopes the calls, events, commands and shortcuts need', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(requiredBotScopes());
    // Flags work in group DMs: reading a flagged message there takes mpim:history.
    expect(manifest.oauth_config.scopes.bot).toContain('mpim:history');
    expect(manifest.features.slash_commands.length + manifest.features.shortcuts.length).toBeGreaterThan(0);
  });

  it('the drift check fails when a scope or event is added that nothing uses', () => {
    const drifted = [...manifest.oauth_config.scopes.bot, 'users:read'].sort();
    expect(drifted).not.toEqual(requiredBotScopes());
    const events = [...manifest.settings.event_subscriptions.bot_events, 'app_mention'].sort();
    expect(events).not.toEqual(handledEvents());
  });
});
