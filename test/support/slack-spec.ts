import { existsSync } from 'node:fs';

/**
 * Slack's own method reference and app-manifest schemas. CI lays a copy of the workplace's shared/ beside the
 * clone (`<repo>/../shared/slack/`), which is the authority; test/support/slack-spec/ is a snapshot of it so the
 * suite also runs in a clone that has no shared/ beside it.
 */
const shared = new URL('../../../shared/slack/', import.meta.url);
const snapshot = new URL('./slack-spec/', import.meta.url);

export const SLACK_SPEC_DIR: URL = existsSync(new URL('methods/', shared)) ? shared : snapshot;
