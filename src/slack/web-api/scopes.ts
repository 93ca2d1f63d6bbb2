/**
 * What Canary asks Slack for, and why: every Web API method it calls with the bot token, every event it
 * subscribes to, and the bot scopes each needs. slack/manifest.yaml must ask for exactly the union, and the
 * manifest test derives the calls and listeners from the code and fails when either side drifts.
 */

/** Web API methods Canary calls → the bot scopes it needs for them (empty: none beyond the token). */
export const WEB_API_SCOPES = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.getPermalink': [],
  // A flagged message is read back in whatever conversation it was flagged in: public and private channels,
  // the bot's DMs and group DMs.
  'conversations.history': ['channels:history', 'groups:history', 'im:history', 'mpim:history'],
  'conversations.replies': ['channels:history', 'groups:history', 'im:history', 'mpim:history'],
  'reactions.add': ['reactions:write'],
  // files.uploadV2 is the Node SDK's wrapper around these two.
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  'views.open': [],
  'views.publish': [],
} as const satisfies Record<string, readonly string[]>;

export type WebApiMethod = keyof typeof WEB_API_SCOPES;

/** SDK helpers that call other methods rather than one of their own name. */
export const SDK_HELPERS: Record<string, readonly WebApiMethod[]> = {
  'files.uploadV2': ['files.getUploadURLExternal', 'files.completeUploadExternal'],
};

/**
 * Scopes no method's reference lists but a call needs in practice. chat:write.public lets chat.postMessage
 * reach a public channel the bot was never invited to: the digest channel and the models channel are
 * settings, and an operator should not have to /invite the bot first.
 */
export const EXTRA_SCOPES: Record<string, { for: WebApiMethod; why: string }> = {
  'chat:write.public': { for: 'chat.postMessage', why: 'post to public channels the bot has not joined' },
};

/** Events Canary subscribes to → the scope Slack requires to deliver them (null: none). */
export const EVENT_SCOPES = {
  reaction_added: 'reactions:read',
  reaction_removed: 'reactions:read',
  app_home_opened: null,
} as const satisfies Record<string, string | null>;

/** Slash commands and shortcuts. */
export const INTERACTION_SCOPES = ['commands'] as const;

export function requiredBotScopes(): string[] {
  return [
    ...new Set([
      ...Object.values(WEB_API_SCOPES).flat(),
      ...Object.keys(EXTRA_SCOPES),
      ...Object.values(EVENT_SCOPES).filter((s): s is NonNullable<typeof s> => s !== null),
      ...INTERACTION_SCOPES,
    ]),
  ].sort();
}
