import { BOT_ID, BOT_USER_ID, BOT_USER_NAME, TEAM_ID } from './ids.ts';

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

export interface SlackFile {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  user: string;
  url_private: string;
  url_private_download: string;
  permalink: string;
  channels: string[];
  shares: { public?: Record<string, { ts: string; thread_ts?: string; channel_name: string }[]> };
}

export interface StoredFile {
  file: SlackFile;
  bytes: Buffer | undefined;
  /** Declared by files.getUploadURLExternal; Slack refuses to complete an upload whose bytes never arrived. */
  declaredLength: number;
  completed: boolean;
}

export interface SlackMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  subtype?: string;
  files?: SlackFile[];
  upload?: boolean;
  reactions?: Reaction[];
  edited?: { user: string; ts: string };
}

export interface Channel {
  id: string;
  name: string;
  members: Set<string>;
  botIsMember: boolean;
  isPrivate: boolean;
  isIm: boolean;
  isMpim: boolean;
  created: number;
}

export interface SlackUser {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  is_bot: boolean;
  deleted: boolean;
  tz: string;
  profile: { display_name: string; real_name: string; email?: string; image_72: string; bot_id?: string };
}

export interface StoredView {
  id: string;
  kind: 'modal' | 'home';
  /** The user the view is shown to, when known (home tabs always; modals when the trigger was minted by the double). */
  user: string | undefined;
  view: Record<string, unknown>;
  /** Modal stack this view belongs to (root view id); pushes share it. */
  rootViewId: string;
  previousViewId: string | null;
}

export interface Ephemeral {
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

export interface RecordedResponse {
  id: string;
  body: unknown;
  at: Date;
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  at: Date;
  /** 'ok', or the error code / HTTP status the double answered with. */
  outcome: string;
}

export interface Failure {
  error?: string;
  status?: number;
  retryAfter?: number;
  delayMs?: number;
  channel?: string;
  times: number;
}

/** Slack's ts: "<seconds>.<6 digits>", strictly increasing so ordering and identity both hold. */
export class TsClock {
  private lastMicros = 0;
  next(): string {
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    return formatTs(this.lastMicros);
  }
}

export function formatTs(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

export function botUser(): SlackUser {
  return {
    id: BOT_USER_ID,
    team_id: TEAM_ID,
    name: BOT_USER_NAME,
    real_name: 'Canary',
    is_bot: true,
    deleted: false,
    tz: 'UTC',
    profile: {
      display_name: 'Canary',
      real_name: 'Canary',
      image_72: 'https://example.slack.com/canary.png',
      bot_id: BOT_ID,
    },
  };
}

let idCounter = 0;
/** Slack ids: a type letter then upper-case alphanumerics. */
export function newId(prefix: string): string {
  idCounter += 1;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${idCounter.toString(36).toUpperCase().padStart(4, '0')}`;
}

export class SlackState {
  readonly clock = new TsClock();
  channels = new Map<string, Channel>();
  users = new Map<string, SlackUser>([[BOT_USER_ID, botUser()]]);
  usergroups = new Map<string, string[]>();
  /** Every message per channel, top-level and replies, in posting order. */
  messages = new Map<string, SlackMessage[]>();
  files = new Map<string, StoredFile>();
  views = new Map<string, StoredView>();
  ephemerals: Ephemeral[] = [];
  responses: RecordedResponse[] = [];
  calls: RecordedCall[] = [];
  failures = new Map<string, Failure[]>();
  /** channel → epoch ms its rate-limit window (opened by a channel-scoped 429) closes. */
  rateLimitedUntil = new Map<string, number>();
  /** trigger_id → user it was minted for; used once, like Slack's. */
  triggers = new Map<string, string | undefined>();
  usedTriggers = new Set<string>();

  clearActivity(): void {
    this.messages.clear();
    this.files.clear();
    this.views.clear();
    this.ephemerals = [];
    this.responses = [];
    this.calls = [];
    this.failures.clear();
    this.rateLimitedUntil.clear();
    this.triggers.clear();
    this.usedTriggers.clear();
  }

  findChannel(idOrName: unknown): Channel | undefined {
    if (typeof idOrName !== 'string' || idOrName === '') return undefined;
    const byId = this.channels.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, '');
    for (const c of this.channels.values()) if (c.name === name && !c.isIm) return c;
    // Posting to a user id opens (or reuses) the bot's DM with them, as chat.postMessage does.
    if (this.users.has(idOrName)) return this.imWith(idOrName);
    return undefined;
  }

  imWith(userId: string): Channel {
    const id = `D${userId.replace(/^[UW]/, '')}`;
    let im = this.channels.get(id);
    if (!im) {
      im = {
        id,
        name: id,
        members: new Set([userId, BOT_USER_ID]),
        botIsMember: true,
        isPrivate: true,
        isIm: true,
        isMpim: false,
        created: Math.floor(Date.now() / 1000),
      };
      this.channels.set(id, im);
    }
    return im;
  }

  channelMessages(channelId: string): SlackMessage[] {
    let list = this.messages.get(channelId);
    if (!list) {
      list = [];
      this.messages.set(channelId, list);
    }
    return list;
  }

  findMessage(channelId: string, ts: unknown): SlackMessage | undefined {
    if (typeof ts !== 'string') return undefined;
    return this.messages.get(channelId)?.find((m) => m.ts === ts);
  }

  /** Appends a message; a reply is attached to the thread's parent (a reply's ts is resolved to its parent, as Slack does). */
  insert(channelId: string, message: SlackMessage): SlackMessage {
    const list = this.channelMessages(channelId);
    if (message.thread_ts !== undefined) {
      let parent = list.find((m) => m.ts === message.thread_ts);
      if (parent?.thread_ts && parent.thread_ts !== parent.ts) {
        parent = list.find((m) => m.ts === parent?.thread_ts) ?? parent;
      }
      if (parent) {
        message.thread_ts = parent.ts;
        if (parent.user) message.parent_user_id = parent.user;
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
        const author = message.user ?? BOT_USER_ID;
        const replyUsers = new Set(parent.reply_users ?? []);
        replyUsers.add(author);
        parent.reply_users = [...replyUsers];
        parent.reply_users_count = replyUsers.size;
        parent.latest_reply = message.ts;
      }
    }
    list.push(message);
    return message;
  }

  isTopLevel(m: SlackMessage): boolean {
    return m.thread_ts === undefined || m.thread_ts === m.ts || m.subtype === 'thread_broadcast';
  }

  thread(channelId: string, ts: string): SlackMessage[] {
    const list = this.messages.get(channelId) ?? [];
    return list.filter((m) => m.ts === ts || m.thread_ts === ts);
  }
}
