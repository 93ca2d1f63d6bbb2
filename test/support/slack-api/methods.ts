import type { Args } from './http.ts';
import { APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, WORKSPACE_URL } from './ids.ts';
import {
  type Channel,
  newId,
  type SlackFile,
  type SlackMessage,
  type SlackState,
  type StoredView,
} from './state.ts';

/** An ok:false answer; `extra` carries Slack's companion fields (e.g. response_metadata.messages). */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

export interface MethodContext {
  state: SlackState;
  args: Args;
  /** Root of this server, e.g. http://127.0.0.1:1234/ */
  root: string;
}

type Handler = (ctx: MethodContext) => Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const bool = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;

/** Form-encoded clients send structured args as JSON strings; JSON clients send them as values. */
function json(v: unknown, name: string): unknown {
  if (typeof v !== 'string') return v;
  if (v === '') return undefined;
  try {
    return JSON.parse(v);
  } catch {
    throw new SlackApiError(name === 'blocks' ? 'invalid_blocks_format' : 'invalid_arguments', {
      response_metadata: { messages: [`[ERROR] failed to parse json for field: ${name}`] },
    });
  }
}

function jsonArray(v: unknown, name: string): unknown[] | undefined {
  const parsed = json(v, name);
  if (parsed === undefined || parsed === null) return undefined;
  if (!Array.isArray(parsed))
    throw new SlackApiError(name === 'blocks' ? 'invalid_blocks' : 'invalid_arguments');
  return parsed;
}

function channelOf(ctx: MethodContext, arg = 'channel'): Channel {
  const channel = ctx.state.findChannel(ctx.args[arg]);
  if (!channel) throw new SlackApiError('channel_not_found');
  return channel;
}

function requireBotIn(channel: Channel): void {
  if (!channel.botIsMember) throw new SlackApiError('not_in_channel');
}

function messageIn(ctx: MethodContext, channel: Channel, ts: unknown): SlackMessage {
  const message = ctx.state.findMessage(channel.id, ts);
  if (!message) throw new SlackApiError('message_not_found');
  return message;
}

interface MessageContent {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/** text, blocks, attachments or markdown_text: at least one, or Slack says no_text. */
function messageContent(args: Args): MessageContent {
  const blocks = jsonArray(args.blocks, 'blocks');
  const attachments = jsonArray(args.attachments, 'attachments');
  const markdown = str(args.markdown_text);
  const text = str(args.text);
  if (markdown !== undefined && (text !== undefined || blocks !== undefined)) {
    throw new SlackApiError('markdown_text_conflict');
  }
  if (text === undefined && markdown === undefined && !blocks?.length && !attachments?.length) {
    throw new SlackApiError('no_text');
  }
  const content: MessageContent = { text: text ?? markdown ?? '' };
  if (blocks) content.blocks = blocks;
  if (attachments) content.attachments = attachments;
  return content;
}

function botMessage(ts: string, content: MessageContent): SlackMessage {
  return {
    type: 'message',
    ts,
    user: BOT_USER_ID,
    bot_id: BOT_ID,
    app_id: APP_ID,
    team: TEAM_ID,
    ...content,
  };
}

export function permalink(channelId: string, ts: string, threadTs?: string): string {
  const base = `${WORKSPACE_URL}archives/${channelId}/p${ts.replace('.', '')}`;
  return threadTs && threadTs !== ts ? `${base}?thread_ts=${threadTs}&cid=${channelId}` : base;
}

function channelInfo(c: Channel): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    is_channel: !c.isIm && !c.isPrivate,
    is_group: !c.isIm && c.isPrivate,
    is_im: c.isIm,
    is_private: c.isPrivate,
    is_archived: false,
    is_general: false,
    is_member: c.botIsMember,
    created: c.created,
    creator: BOT_USER_ID,
    num_members: c.members.size,
    context_team_id: TEAM_ID,
  };
}

/** Cursor pagination the way Slack does it: an opaque base64 cursor and response_metadata.next_cursor. */
function paginate<T>(items: T[], args: Args, defaultLimit: number): { page: T[]; nextCursor: string } {
  const limit = Math.max(1, Math.min(Number(args.limit ?? defaultLimit) || defaultLimit, 999));
  const cursor = str(args.cursor);
  let offset = 0;
  if (cursor !== undefined) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    if (!decoded) throw new SlackApiError('invalid_cursor');
    offset = Number(decoded[1]);
  }
  const page = items.slice(offset, offset + limit);
  const next =
    offset + limit < items.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
  return { page, nextCursor: next };
}

function withinRange(ts: string, args: Args): boolean {
  const inclusive = bool(args.inclusive);
  const oldest = str(args.oldest);
  const latest = str(args.latest);
  const t = Number(ts);
  if (oldest !== undefined && (inclusive ? t < Number(oldest) : t <= Number(oldest))) return false;
  if (latest !== undefined && (inclusive ? t > Number(latest) : t >= Number(latest))) return false;
  return true;
}

function postMessage(ctx: MethodContext): Record<string, unknown> {
  const channel = channelOf(ctx);
  const content = messageContent(ctx.args);
  requireBotIn(channel);
  const message = botMessage(ctx.state.clock.next(), content);
  const metadata = json(ctx.args.metadata, 'metadata');
  if (metadata !== undefined) message.metadata = metadata;
  const threadTs = str(ctx.args.thread_ts);
  if (threadTs !== undefined) {
    message.thread_ts = threadTs;
    if (bool(ctx.args.reply_broadcast)) message.subtype = 'thread_broadcast';
  }
  ctx.state.insert(channel.id, message);
  return { channel: channel.id, ts: message.ts, message };
}

function update(ctx: MethodContext): Record<string, unknown> {
  const channel = channelOf(ctx);
  const message = messageIn(ctx, channel, ctx.args.ts);
  if (message.bot_id !== BOT_ID) throw new SlackApiError('cant_update_message');
  const content = messageContent(ctx.args);
  message.text = content.text;
  if (content.blocks !== undefined) message.blocks = content.blocks;
  else if (ctx.args.blocks !== undefined) delete message.blocks;
  if (content.attachments !== undefined) message.attachments = content.attachments;
  message.edited = { user: BOT_USER_ID, ts: ctx.state.clock.next() };
  return { channel: channel.id, ts: message.ts, text: message.text, message };
}

function remove(ctx: MethodContext): Record<string, unknown> {
  const channel = channelOf(ctx);
  const message = messageIn(ctx, channel, ctx.args.ts);
  if (message.bot_id !== BOT_ID) throw new SlackApiError('cant_delete_message');
  const list = ctx.state.channelMessages(channel.id);
  list.splice(list.indexOf(message), 1);
  return { channel: channel.id, ts: message.ts };
}

function postEphemeral(ctx: MethodContext): Record<string, unknown> {
  const channel = channelOf(ctx);
  const content = messageContent(ctx.args);
  requireBotIn(channel);
  const user = String(ctx.args.user);
  if (!channel.members.has(user)) throw new SlackApiError('user_not_in_channel');
  const ts = ctx.state.clock.next();
  const threadTs = str(ctx.args.thread_ts);
  ctx.state.ephemerals.push({
    channel: channel.id,
    user,
    ts,
    text: content.text,
    ...(content.blocks ? { blocks: content.blocks } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
  });
  return { message_ts: ts };
}

function getPermalink(ctx: MethodContext): Record<string, unknown> {
  const channel = channelOf(ctx);
  const message = messageIn(ctx, channel, ctx.args.message_ts);
  return { channel: channel.id, permalink: permalink(channel.id, message.ts, message.thread_ts) };
}

function history(ctx: MethodContext): Record<string, unknown> {
  const channel = channelOf(ctx);
  requireBotIn(channel);
  const all = ctx.state
    .channelMessages(channel.id)
    .filter((m) => ctx.state.isTopLevel(m) && withinRange(m.ts, ctx.args))
    .reverse();
  const { page, nextCursor } = paginate(all, ctx.args, 100);
  return {
    messages: page,
    has_more: nextCursor !== '',
    pin_count: 0,
    response_metadata: { next_cursor: nextCursor },
  };
}

function replies(ctx: MethodContext): Record<string, unknown> {
  const channel = channelOf(ctx);
  const ts = String(ctx.args.ts);
  const parent = ctx.state.findMessage(channel.id, ts);
  if (!parent) throw new SlackApiError('thread_not_found');
  const root = parent.thread_ts ?? parent.ts;
  const [head, ...rest] = ctx.state.thread(channel.id, root);
  const filtered = rest.filter((m) => withinRange(m.ts, ctx.args));
  const { page, nextCursor } = paginate(filtered, ctx.args, 1000);
  return {
    messages: head ? [head, ...page] : page,
    has_more: nextCursor !== '',
    response_metadata: { next_cursor: nextCursor },
  };
}

function conversationInfo(ctx: MethodContext): Record<string, unknown> {
  return { channel: channelInfo(channelOf(ctx)) };
}

function reactionsAdd(ctx: MethodContext): Record<string, unknown> {
  const channel = channelOf(ctx);
  const name = String(ctx.args.name).replace(/^:|:$/g, '');
  if (!/^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/.test(name)) throw new SlackApiError('invalid_name');
  const message = messageIn(ctx, channel, ctx.args.timestamp);
  addReaction(message, name, BOT_USER_ID);
  return {};
}

/** Shared with the api.addReaction helper so user reactions look exactly like the bot's. */
export function addReaction(message: SlackMessage, name: string, user: string): void {
  message.reactions ??= [];
  let reaction = message.reactions.find((r) => r.name === name);
  if (!reaction) {
    reaction = { name, users: [], count: 0 };
    message.reactions.push(reaction);
  }
  if (reaction.users.includes(user)) throw new SlackApiError('already_reacted');
  reaction.users.push(user);
  reaction.count += 1;
}

function reactionsGet(ctx: MethodContext): Record<string, unknown> {
  const fileId = str(ctx.args.file);
  if (fileId !== undefined) {
    const stored = ctx.state.files.get(fileId);
    if (!stored) throw new SlackApiError('file_not_found');
    return { type: 'file', file: stored.file };
  }
  if (ctx.args.channel === undefined || ctx.args.timestamp === undefined) {
    throw new SlackApiError('no_item_specified');
  }
  const channel = channelOf(ctx);
  if (!/^\d+\.\d+$/.test(String(ctx.args.timestamp))) throw new SlackApiError('bad_timestamp');
  const message = messageIn(ctx, channel, ctx.args.timestamp);
  return {
    type: 'message',
    channel: channel.id,
    message: { ...message, permalink: permalink(channel.id, message.ts) },
  };
}

function usersInfo(ctx: MethodContext): Record<string, unknown> {
  const user = ctx.state.users.get(String(ctx.args.user));
  if (!user) throw new SlackApiError('user_not_found');
  return { user };
}

function usergroupUsers(ctx: MethodContext): Record<string, unknown> {
  const users = ctx.state.usergroups.get(String(ctx.args.usergroup));
  if (!users) throw new SlackApiError('no_such_subteam');
  return { users };
}

function parseView(args: Args, kind: 'modal' | 'home'): Record<string, unknown> {
  const view = json(args.view, 'view');
  if (typeof view !== 'object' || view === null || Array.isArray(view))
    throw new SlackApiError('invalid_arguments');
  const v = view as Record<string, unknown>;
  const messages: string[] = [];
  if (v.type !== kind) messages.push(`[ERROR] must be '${kind}' [json-pointer:/view/type]`);
  if (!Array.isArray(v.blocks))
    messages.push('[ERROR] missing required field: blocks [json-pointer:/view/blocks]');
  if (kind === 'modal' && typeof v.title !== 'object') {
    messages.push('[ERROR] missing required field: title [json-pointer:/view/title]');
  }
  if (messages.length > 0) throw new SlackApiError('invalid_arguments', { response_metadata: { messages } });
  if (JSON.stringify(v).length > 250_000) throw new SlackApiError('view_too_large');
  return v;
}

function viewBody(stored: StoredView, hash: string): Record<string, unknown> {
  const v = stored.view;
  return {
    id: stored.id,
    team_id: TEAM_ID,
    type: v.type,
    title: v.title,
    submit: v.submit ?? null,
    close: v.close ?? null,
    blocks: v.blocks,
    private_metadata: v.private_metadata ?? '',
    callback_id: v.callback_id ?? '',
    external_id: v.external_id ?? '',
    state: { values: {} },
    hash,
    clear_on_close: v.clear_on_close ?? false,
    notify_on_close: v.notify_on_close ?? false,
    root_view_id: stored.rootViewId,
    previous_view_id: stored.previousViewId,
    app_id: APP_ID,
    app_installed_team_id: TEAM_ID,
    bot_id: BOT_ID,
  };
}

const viewHashes = new WeakMap<StoredView, string>();

function storeView(ctx: MethodContext, stored: StoredView): Record<string, unknown> {
  const externalId = str(stored.view.external_id);
  if (externalId !== undefined) {
    for (const other of ctx.state.views.values()) {
      if (other.id !== stored.id && other.view.external_id === externalId) {
        throw new SlackApiError('duplicate_external_id');
      }
    }
  }
  ctx.state.views.set(stored.id, stored);
  const hash = `${Math.floor(Date.now() / 1000)}.${newId('h').toLowerCase()}`;
  viewHashes.set(stored, hash);
  return { view: viewBody(stored, hash) };
}

/** Trigger ids are single-use; unknown ones are accepted (tests may invent them) but still only once. */
function useTrigger(ctx: MethodContext): string | undefined {
  const trigger = str(ctx.args.trigger_id) ?? str(ctx.args.interactivity_pointer);
  if (trigger === undefined) {
    throw new SlackApiError('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] },
    });
  }
  if (ctx.state.usedTriggers.has(trigger)) throw new SlackApiError('exchanged_trigger_id');
  ctx.state.usedTriggers.add(trigger);
  return ctx.state.triggers.get(trigger);
}

function viewsOpen(ctx: MethodContext): Record<string, unknown> {
  const view = parseView(ctx.args, 'modal');
  const user = useTrigger(ctx);
  const id = newId('V');
  return storeView(ctx, { id, kind: 'modal', user, view, rootViewId: id, previousViewId: null });
}

function viewsPush(ctx: MethodContext): Record<string, unknown> {
  const view = parseView(ctx.args, 'modal');
  const user = useTrigger(ctx);
  const stack = [...ctx.state.views.values()].filter((v) => v.kind === 'modal' && v.user === user);
  const top = stack.at(-1);
  if (top && stack.filter((v) => v.rootViewId === top.rootViewId).length >= 3) {
    throw new SlackApiError('push_limit_reached');
  }
  const id = newId('V');
  return storeView(ctx, {
    id,
    kind: 'modal',
    user,
    view,
    rootViewId: top?.rootViewId ?? id,
    previousViewId: top?.id ?? null,
  });
}

function findView(ctx: MethodContext): StoredView {
  const viewId = str(ctx.args.view_id);
  const externalId = str(ctx.args.external_id);
  if (viewId === undefined && externalId === undefined) throw new SlackApiError('invalid_arguments');
  for (const v of ctx.state.views.values()) {
    if (
      (viewId !== undefined && v.id === viewId) ||
      (externalId !== undefined && v.view.external_id === externalId)
    ) {
      return v;
    }
  }
  throw new SlackApiError('not_found');
}

function checkHash(ctx: MethodContext, stored: StoredView): void {
  const hash = str(ctx.args.hash);
  if (hash !== undefined && viewHashes.get(stored) !== hash) throw new SlackApiError('hash_conflict');
}

function viewsUpdate(ctx: MethodContext): Record<string, unknown> {
  const stored = findView(ctx);
  const view = parseView(ctx.args, stored.kind);
  checkHash(ctx, stored);
  return storeView(ctx, { ...stored, view });
}

function viewsPublish(ctx: MethodContext): Record<string, unknown> {
  const userId = String(ctx.args.user_id);
  if (!ctx.state.users.has(userId)) throw new SlackApiError('invalid_arguments');
  const view = parseView(ctx.args, 'home');
  const existing = [...ctx.state.views.values()].find((v) => v.kind === 'home' && v.user === userId);
  if (existing) checkHash(ctx, existing);
  const id = existing?.id ?? newId('V');
  return storeView(ctx, { id, kind: 'home', user: userId, view, rootViewId: id, previousViewId: null });
}

function getUploadUrl(ctx: MethodContext): Record<string, unknown> {
  const length = Number(ctx.args.length);
  if (!Number.isInteger(length) || length < 0) throw new SlackApiError('invalid_arguments');
  if (length === 0) throw new SlackApiError('missing_argument');
  const filename = String(ctx.args.filename);
  const id = newId('F');
  const now = Math.floor(Date.now() / 1000);
  const ext = filename.includes('.') ? filename.split('.').pop()!.toLowerCase() : 'binary';
  const file: SlackFile = {
    id,
    created: now,
    timestamp: now,
    name: filename,
    title: filename,
    mimetype: MIME[ext] ?? 'application/octet-stream',
    filetype: ext,
    size: length,
    user: BOT_USER_ID,
    url_private: `${ctx.root}files-pri/${TEAM_ID}-${id}/${encodeURIComponent(filename)}`,
    url_private_download: `${ctx.root}files-pri/${TEAM_ID}-${id}/download/${encodeURIComponent(filename)}`,
    permalink: `${WORKSPACE_URL}files/${BOT_USER_ID}/${id}/${encodeURIComponent(filename)}`,
    channels: [],
    shares: {},
  };
  ctx.state.files.set(id, { file, bytes: undefined, declaredLength: length, completed: false });
  return { upload_url: `${ctx.root}upload/v1/${id}`, file_id: id };
}

const MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  csv: 'text/csv',
  txt: 'text/plain',
  json: 'application/json',
  pdf: 'application/pdf',
};

function completeUpload(ctx: MethodContext): Record<string, unknown> {
  const entries = jsonArray(ctx.args.files, 'files');
  if (!entries || entries.length === 0) throw new SlackApiError('invalid_arguments');
  const stored = entries.map((entry) => {
    const e = (entry ?? {}) as { id?: unknown; title?: unknown };
    const s = typeof e.id === 'string' ? ctx.state.files.get(e.id) : undefined;
    if (!s || s.bytes === undefined) throw new SlackApiError('file_not_found');
    if (typeof e.title === 'string' && e.title !== '') s.file.title = e.title;
    return s;
  });
  const channelIds = [str(ctx.args.channel_id), ...(str(ctx.args.channels)?.split(',') ?? [])].filter(
    (c): c is string => c !== undefined && c !== '',
  );
  const threadTs = str(ctx.args.thread_ts);
  if (threadTs !== undefined && channelIds.length !== 1) throw new SlackApiError('invalid_arguments');
  const channels = channelIds.map((id) => {
    const c = ctx.state.findChannel(id);
    if (!c) throw new SlackApiError('channel_not_found');
    if (!c.botIsMember) throw new SlackApiError('not_in_channel');
    return c;
  });
  for (const s of stored) s.completed = true;
  const blocks = jsonArray(ctx.args.blocks, 'blocks');
  for (const channel of channels) {
    const message = botMessage(ctx.state.clock.next(), {
      text: str(ctx.args.initial_comment) ?? '',
      ...(blocks && ctx.args.initial_comment === undefined ? { blocks } : {}),
    });
    message.files = stored.map((s) => s.file);
    message.upload = true;
    if (threadTs !== undefined) message.thread_ts = threadTs;
    ctx.state.insert(channel.id, message);
    for (const s of stored) {
      s.file.channels.push(channel.id);
      const publicShares = s.file.shares.public ?? {};
      s.file.shares.public = publicShares;
      const shares = publicShares[channel.id] ?? [];
      publicShares[channel.id] = shares;
      shares.push({
        ts: message.ts,
        channel_name: channel.name,
        ...(message.thread_ts !== undefined ? { thread_ts: message.thread_ts } : {}),
      });
    }
  }
  return { files: stored.map((s) => ({ id: s.file.id, title: s.file.title })) };
}

function filesInfo(ctx: MethodContext): Record<string, unknown> {
  const stored = ctx.state.files.get(String(ctx.args.file));
  if (!stored?.completed) throw new SlackApiError('file_not_found');
  return { file: stored.file, comments: [], response_metadata: { next_cursor: '' } };
}

function authTest(): Record<string, unknown> {
  return {
    url: WORKSPACE_URL,
    team: TEAM_DOMAIN,
    user: 'canary',
    team_id: TEAM_ID,
    user_id: BOT_USER_ID,
    bot_id: BOT_ID,
    is_enterprise_install: false,
  };
}

export const handlers: Record<string, Handler> = {
  'auth.test': authTest,
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.delete': remove,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'conversations.history': history,
  'conversations.replies': replies,
  'conversations.info': conversationInfo,
  'reactions.add': reactionsAdd,
  'reactions.get': reactionsGet,
  'users.info': usersInfo,
  'usergroups.users.list': usergroupUsers,
  'views.open': viewsOpen,
  'views.update': viewsUpdate,
  'views.push': viewsPush,
  'views.publish': viewsPublish,
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
  'files.info': filesInfo,
};
