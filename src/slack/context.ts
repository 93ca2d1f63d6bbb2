import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ServiceDeps } from '../services/deps.ts';
import type { SlackPoster } from './web-api/post.ts';

/** What the Slack side is told by configuration. */
export interface SlackSettings {
  flagEmoji: string;
  /** Who may sign off a problem; empty means nobody (sign-off is a deliberate act, not a default). */
  signers: string[];
  /** Who may register/promote models and change thresholds; empty means everyone. */
  admins: string[];
  /** 👍/👎 reactions rate messages; ratedBots maps a sender id to the model whose outputs it posts. */
  ratings: { upEmojis: string[]; downEmojis: string[]; ratedBots: Record<string, string> };
}

/** Handed to every listener registrar: services' deps, settings, the paced poster and a logger. */
export interface SlackContext {
  deps: ServiceDeps;
  settings: SlackSettings;
  poster: SlackPoster;
  log: Logger;
}

export const DEFAULT_RATINGS: SlackSettings['ratings'] = {
  upEmojis: ['+1', 'thumbsup'],
  downEmojis: ['-1', 'thumbsdown'],
  ratedBots: {},
};

export function settingsFrom(config: SlackConfig): SlackSettings {
  const o = config.observations;
  return {
    flagEmoji: config.slack.flagEmoji,
    signers: config.slack.signers,
    admins: config.slack.admins,
    ratings: o ? { upEmojis: o.upEmojis, downEmojis: o.downEmojis, ratedBots: o.ratedBots } : DEFAULT_RATINGS,
  };
}

/** What the Slack app is built from; without `observations` the default rating emojis apply. */
export type SlackConfig = Pick<Config, 'slack'> & Partial<Pick<Config, 'observations'>>;

export function isAdmin(settings: SlackSettings, userId: string): boolean {
  return settings.admins.length === 0 || settings.admins.includes(userId);
}

export function isSigner(settings: SlackSettings, userId: string): boolean {
  return settings.signers.includes(userId);
}
