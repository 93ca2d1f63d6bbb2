/**
 * Which workspace, Enterprise Grid org and app a Slack request is for, and whether this Canary serves them.
 * A signing secret belongs to one app, but that app can be installed in several workspaces (or the secret
 * reused by a copy of the app); SLACK_TEAM_IDS / SLACK_APP_ID pin the ones this deployment answers.
 */

export interface SlackOrigin {
  teamId?: string;
  enterpriseId?: string;
  appId?: string;
}

export interface ExpectedOrigin {
  /** Workspace (T…) and org (E…) ids; empty: any. */
  teamIds: readonly string[];
  appId?: string | undefined;
}

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});

/**
 * The ids each payload shape carries. Events and slash commands have them at the top level
 * (`team_id`, `enterprise_id`, `api_app_id`); interactivity (block_actions, shortcuts, view submissions,
 * block_suggestion options) has `team: {id, enterprise_id}` and `enterprise: {id}` objects — and `team` is
 * null for a view of an org-wide install, whose view still names the workspace.
 */
export function originOf(body: unknown): SlackOrigin {
  const b = obj(body);
  const team = obj(b.team);
  const view = obj(b.view);
  const origin: SlackOrigin = {};
  const teamId = str(b.team_id) ?? str(team.id) ?? str(view.team_id);
  const enterpriseId = str(b.enterprise_id) ?? str(obj(b.enterprise).id) ?? str(team.enterprise_id);
  const appId = str(b.api_app_id) ?? str(view.app_id);
  if (teamId) origin.teamId = teamId;
  if (enterpriseId) origin.enterpriseId = enterpriseId;
  if (appId) origin.appId = appId;
  return origin;
}

/**
 * Why a request is not for us, or null when it is. A listed org id admits every workspace of that org
 * (org-wide installs); a payload missing an id that is pinned is refused, since "unknown" is not "ours".
 */
export function foreignOrigin(origin: SlackOrigin, expected: ExpectedOrigin): 'app' | 'team' | null {
  if (expected.appId && origin.appId !== expected.appId) return 'app';
  if (expected.teamIds.length === 0) return null;
  const ids = [origin.teamId, origin.enterpriseId].filter((id): id is string => id !== undefined);
  return ids.some((id) => expected.teamIds.includes(id)) ? null : 'team';
}
