import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

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
  ])('rejects %o with one sentence naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a secret in the error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres//user:hunter2@x' })).toThrow(/<redacted>/);
  });
});
