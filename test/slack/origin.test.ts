import { describe, expect, it } from 'vitest';
import { type ExpectedOrigin, foreignOrigin, originOf } from '../../src/slack/requests/origin.ts';

describe('originOf reads each payload shape', () => {
  it.each([
    [
      'an event envelope',
      { type: 'event_callback', team_id: 'T1', api_app_id: 'A1' },
      { teamId: 'T1', appId: 'A1' },
    ],
    [
      'an Enterprise Grid event',
      { type: 'event_callback', team_id: 'T1', enterprise_id: 'E1', api_app_id: 'A1' },
      { teamId: 'T1', enterpriseId: 'E1', appId: 'A1' },
    ],
    [
      'a slash command (form fields)',
      { command: '/problem', team_id: 'T1', api_app_id: 'A1' },
      { teamId: 'T1', appId: 'A1' },
    ],
    [
      'block_actions',
      { type: 'block_actions', team: { id: 'T1', domain: 'd' }, enterprise: null, api_app_id: 'A1' },
      { teamId: 'T1', appId: 'A1' },
    ],
    [
      'a view submission of an org-wide install (team null)',
      {
        type: 'view_submission',
        team: null,
        user: { id: 'U1', team_id: 'T1' },
        enterprise: { id: 'E1' },
        view: { team_id: 'T1', app_id: 'A1' },
      },
      { teamId: 'T1', enterpriseId: 'E1', appId: 'A1' },
    ],
    [
      'a Slack Connect event: the installation, not the workspace it happened in',
      {
        type: 'event_callback',
        team_id: 'T9',
        api_app_id: 'A1',
        authorizations: [{ team_id: 'T1', enterprise_id: null, is_bot: true }],
      },
      { teamId: 'T1', appId: 'A1' },
    ],
    [
      'an org-wide install event (its authorization names the org, not a workspace)',
      {
        type: 'event_callback',
        team_id: 'T1',
        api_app_id: 'A1',
        authorizations: [{ team_id: null, enterprise_id: 'E1' }],
      },
      { teamId: 'T1', enterpriseId: 'E1', appId: 'A1' },
    ],
    [
      'a view opened from a Slack Connect channel',
      {
        type: 'view_submission',
        team: { id: 'T9' },
        api_app_id: 'A1',
        view: { app_installed_team_id: 'T1' },
      },
      { teamId: 'T1', appId: 'A1' },
    ],
    [
      'an action with no team object',
      { type: 'block_actions', team: null, user: { team_id: 'T1' } },
      { teamId: 'T1' },
    ],
    [
      'a team object naming its org',
      { team: { id: 'T1', enterprise_id: 'E1' } },
      { teamId: 'T1', enterpriseId: 'E1' },
    ],
    ['nothing', { type: 'url_verification' }, {}],
    ['not an object', 'text', {}],
    ['ids of the wrong type', { team_id: 7, api_app_id: ['A1'], team: 'T1' }, {}],
  ])('%s', (_, body, origin) => {
    expect(originOf(body)).toEqual(origin);
  });
});

describe('foreignOrigin', () => {
  const pinned: ExpectedOrigin = { teamIds: ['T1', 'E9'], appId: 'A1' };
  it.each([
    ['nothing pinned: anything', { teamIds: [] }, {}, null],
    ['our team and app', pinned, { teamId: 'T1', appId: 'A1' }, null],
    ['another workspace of our org', pinned, { teamId: 'T7', enterpriseId: 'E9', appId: 'A1' }, null],
    ['another workspace', pinned, { teamId: 'T2', appId: 'A1' }, 'team'],
    ['another org', pinned, { teamId: 'T2', enterpriseId: 'E2', appId: 'A1' }, 'team'],
    ['no team at all', pinned, { appId: 'A1' }, 'team'],
    ['another app', pinned, { teamId: 'T1', appId: 'A2' }, 'app'],
    ['no app at all', pinned, { teamId: 'T1' }, 'app'],
    ['only the app pinned', { teamIds: [], appId: 'A1' }, { teamId: 'T2', appId: 'A1' }, null],
  ] as const)('%s', (_, expected, origin, verdict) => {
    expect(foreignOrigin(origin, expected)).toBe(verdict);
  });
});
