/** Identity of the workspace and bot the double pretends to be; slack-requests.ts signs payloads with the same ids. */
export const TEAM_ID = 'T0CANARY';
export const TEAM_DOMAIN = 'example';
export const APP_ID = 'A0CANARY';
export const BOT_ID = 'B0CANARY';
export const BOT_USER_ID = 'U0CANARY';
export const BOT_USER_NAME = 'canary';
export const WORKSPACE_URL = 'https://example.slack.com/';
