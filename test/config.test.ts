import { describe, expect, it } from 'vitest';
import { ConfigError, endpointSecrets, isCanaryVariable, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('gives working defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c.database.url).toBeUndefined();
    expect(c.database.dataDir).toBe('./.canary');
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.slack.flagEmoji).toBe('triangular_flag_on_post');
    expect(c.digest.cron).toBe('0 9 * * 1-5');
    expect(c.workers.inProcess).toBe(true);
  });

  it('splits lists and treats empty strings as unset', () => {
    const c = loadConfig({ CANARY_ADMINS: 'U1, U2,,', DATABASE_URL: '' });
    expect(c.slack.admins).toEqual(['U1', 'U2']);
    expect(c.database.url).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ REDIS_URL: 'not a url' }, /REDIS_URL/],
    [{ SLACK_BOT_TOKEN: 'abc' }, /SLACK_BOT_TOKEN must start with xoxb-/],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, /SLACK_SIGNING_SECRET/],
    [{ CANARY_CHART_RENDERER: 'quickchart' }, /QUICKCHART_URL/],
    [{ CANARY_WORKERS: '2' }, /CANARY_WORKERS/],
    [
      { SLACK_TEAM_IDS: 'T1, canary' },
      /SLACK_TEAM_IDS entries must be workspace \(T…\) or Enterprise Grid org \(E…\) ids/,
    ],
    [{ SLACK_APP_ID: 'T0CANARY' }, /SLACK_APP_ID must be an app id \(A…\)/],
  ])('rejects %o with one sentence naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a secret in the error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres//user:hunter2@x' })).toThrow(/<redacted>/);
  });

  it.each([
    ['REDIS_URL', 'redis://:hunter2@redis.internal:port'],
    ['REDIS_URL', 'redis://canary:hunter2@redis.internal:63 79'],
    ['QUICKCHART_URL', 'https://admin:hunter2@chart s.internal'],
    ['CANARY_PUBLIC_URL', 'https://me:pass@word:hunter2@canary .example.com'],
    ['REDIS_URL', 'redis://u:hunter2@h:port?password=hunter2'],
  ])('hides the password of a URL in %s when echoing it', (name, value) => {
    let message = '';
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${name}`));
    expect(message).toContain(':<redacted>@');
    expect(message).not.toContain('hunter2');
  });

  it.each([
    ['REDIS_URL', 'redis://redis.internal:port?password=hunter2'],
    ['QUICKCHART_URL', 'https://chart s.internal/?token=hunter2&x=1'],
  ])('hides the query of a URL in %s, where credentials also travel', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(/\?<redacted>/);
    expect(() => loadConfig({ [name]: value })).not.toThrow(/hunter2/);
  });

  it('refuses a stalled interval below one second, saying why', () => {
    expect(() => loadConfig({ CANARY_STALLED_INTERVAL_MS: '500' })).toThrow(
      /CANARY_STALLED_INTERVAL_MS must be at least 1000 \(ms\): shorter intervals make live workers lose their job locks/,
    );
    expect(loadConfig({ CANARY_STALLED_INTERVAL_MS: '1000' }).workers.stalledIntervalMs).toBe(1000);
  });

  it('caps model responses at 1 MiB unless told otherwise', () => {
    expect(loadConfig({}).endpoints.maxResponseBytes).toBe(1_048_576);
    expect(loadConfig({ CANARY_MAX_RESPONSE_BYTES: '4096' }).endpoints.maxResponseBytes).toBe(4096);
  });

  it("lists the hosts of Canary's own database and Redis as protected", () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://u:p@db.internal/canary', REDIS_URL: 'redis://cache:6379' })
        .endpoints.protectedHosts,
    ).toEqual(['db.internal', 'cache']);
  });

  it('still echoes a URL without credentials, so the mistake can be seen', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://redis.internal:port' })).toThrow(
      /redis:\/\/redis\.internal:port/,
    );
  });

  it('pins Slack workspaces, orgs and the app only when told (unset: any)', () => {
    expect(loadConfig({}).slack).toMatchObject({ teamIds: [], appId: undefined });
    expect(loadConfig({ SLACK_TEAM_IDS: 'T0CANARY, E0ORG', SLACK_APP_ID: 'A0CANARY' }).slack).toMatchObject({
      teamIds: ['T0CANARY', 'E0ORG'],
      appId: 'A0CANARY',
    });
  });

  it('reads CANARY_ENDPOINT_SECRETS as a list of names, empty by default', () => {
    expect(loadConfig({}).endpoints.secretNames).toEqual([]);
    expect(loadConfig({ CANARY_ENDPOINT_SECRETS: 'MODEL_TOKEN, OPENAI_KEY' }).endpoints.secretNames).toEqual([
      'MODEL_TOKEN',
      'OPENAI_KEY',
    ]);
  });
});

describe('endpointSecrets', () => {
  const env = {
    MODEL_TOKEN: 'm-1',
    OPENAI_KEY: 'o-1',
    SLACK_BOT_TOKEN: 'xoxb-secret',
    DATABASE_URL: 'postgres://u:p@db/canary',
    REDIS_URL: 'redis://:p@redis',
    CANARY_API_TOKENS: 't1',
    SLACK_SOMETHING_NEW: 'x',
    HOME: '/root',
  };

  it('hands adapters only the listed variables', () => {
    expect(endpointSecrets(env, [])).toEqual({});
    expect(endpointSecrets(env, ['MODEL_TOKEN'])).toEqual({ MODEL_TOKEN: 'm-1' });
    expect(endpointSecrets(env, ['MODEL_TOKEN', 'MISSING'])).toEqual({ MODEL_TOKEN: 'm-1' });
  });

  it("never hands out Canary's own variables, even when listed", () => {
    const listed = Object.keys(env);
    expect(endpointSecrets(env, listed)).toEqual({ MODEL_TOKEN: 'm-1', OPENAI_KEY: 'o-1', HOME: '/root' });
  });

  it('is a frozen copy', () => {
    expect(Object.isFrozen(endpointSecrets(env, ['MODEL_TOKEN']))).toBe(true);
  });

  it.each([
    ['SLACK_BOT_TOKEN', true],
    ['SLACK_ANYTHING', true],
    ['DATABASE_URL', true],
    ['REDIS_URL', true],
    ['QUICKCHART_URL', true],
    ['CANARY_TOKEN', true],
    ['CANARY_FUTURE_SETTING', true],
    ['PORT', true],
    ['MODEL_TOKEN', false],
    ['OPENAI_API_KEY', false],
  ])('%s is one of Canary’s own variables: %s', (name, own) => {
    expect(isCanaryVariable(name)).toBe(own);
  });
});
