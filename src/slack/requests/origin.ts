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
 * The installation a payload is for, read where each shape keeps it and in the order Bolt's own
 * buildSource uses, so "team" means the same here as in a listener's context:
 * - events: `authorizations[0]` (the installation the delivery is for), else the envelope's `team_id` /
 *   `enterprise_id` — in a Slack Connect channel the envelope may name the other organisation's workspace;
 * - slash commands: top-level `team_id`, `enterprise_id`;
 * - view submissions: `view.app_installed_team_id` (a modal opened from a Slack Connect channel), else as
 *   below;
 * - block_actions, shortcuts, block_suggestion: `team.id` (null for an org-wide install), else
 *   `user.team_id`; the org from `enterprise.id` or `team.enterprise_id`.
 * The app is `api_app_id` everywhere (a view also names it as `view.app_id`).
 */
export function originOf(body: unknown): SlackOrigin {
  const b = obj(body);
  const team = obj(b.team);
  const view = obj(b.view);
  const auth = Array.isArray(b.authorizations) ? obj(b.authorizations[0]) : undefined;
  const isEvent = b.type === 'event_callback';
  const teamId = isEvent
    ? (str(auth?.team_id) ?? str(b.team_id))
    : (str(b.team_id) ?? str(view.app_installed_team_id) ?? str(team.id) ?? str(obj(b.user).team_id));
  const enterpriseId =
    isEvent && auth
      ? str(auth.enterprise_id)
      : (str(b.enterprise_id) ?? str(obj(b.enterprise).id) ?? str(team.enterprise_id));
  const appId = str(b.api_app_id) ?? str(view.app_id);
  const origin: SlackOrigin = {};
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
