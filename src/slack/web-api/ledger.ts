import type { Db } from '../../db/client.ts';
import {
  claimLedgerKey,
  type LedgerEntry,
  ledgerEntry,
  lockLedgerEntry,
  recordLedgerTs,
} from '../../db/queries/slack-messages.ts';
import type { PngUpload, PostMessage, SlackPoster, UpdateMessage } from './post.ts';

/**
 * Exactly-once posting. The key names what a message is about; its row is written BEFORE the post, so a
 * retried job finds it: with a ts it edits that message instead of posting another, without one (the job
 * died between insert and post) it posts and records. The row is locked while Slack is called, so two jobs
 * about the same message (two back-fills finishing at once on two workers) take turns: the second sees the
 * first one's ts and edits.
 */

export type SlackOut = Pick<SlackPoster, 'post' | 'update' | 'uploadPng'>;

export { type LedgerEntry, ledgerEntry };

async function withEntry<T>(
  db: Db,
  key: string,
  channel: string,
  use: (entry: LedgerEntry, record: (ts: string) => Promise<void>, tx: Db) => Promise<T>,
): Promise<T> {
  await claimLedgerKey(db, key, channel);
  return db.transaction(async (tx) => {
    const row = await lockLedgerEntry(tx as unknown as Db, key);
    const record = async (ts: string) => {
      await recordLedgerTs(tx as unknown as Db, key, ts);
    };
    return use(row ?? { channel, ts: null }, record, tx as unknown as Db);
  });
}

/** Writes the key without posting (a marker other jobs can see). */
export async function claimKey(db: Db, key: string, channel: string): Promise<void> {
  await claimLedgerKey(db, key, channel);
}

export interface Posted {
  channel: string;
  ts: string;
  posted: boolean;
}

/** Posts the message, or edits the one already posted under this key. */
export async function postOrUpdate(
  db: Db,
  slack: SlackOut,
  key: string,
  message: PostMessage,
): Promise<Posted> {
  return withEntry(db, key, message.channel, (entry, record) => send(slack, message, entry, record));
}

/**
 * postOrUpdate unless `skip` says otherwise. `skip` is asked while the key's row is locked, so a condition another
 * job's write makes true (e.g. "the summary is final") cannot go stale between asking and posting, even across
 * processes. Null when skipped.
 */
export async function postOrUpdateUnless(
  db: Db,
  slack: SlackOut,
  key: string,
  message: PostMessage,
  skip: (tx: Db) => Promise<boolean>,
): Promise<Posted | null> {
  // `skip` reads through the transaction: embedded PGlite has one connection, so a read beside it would wait for it.
  return withEntry(db, key, message.channel, async (entry, record, tx) =>
    (await skip(tx)) ? null : send(slack, message, entry, record),
  );
}

/**
 * What this process last sent per message (channel/ts → content). A job that waited its channel's turn runs again
 * from the top; the messages it already sent are unchanged and cost no second call.
 */
const lastSent = new Map<string, string>();
const LAST_SENT_MAX = 5_000;

function remember(channel: string, ts: string, content: string): void {
  const id = `${channel}/${ts}`;
  lastSent.delete(id);
  lastSent.set(id, content);
  if (lastSent.size > LAST_SENT_MAX) lastSent.delete(lastSent.keys().next().value as string);
}

async function send(
  slack: SlackOut,
  message: PostMessage,
  entry: LedgerEntry,
  record: (ts: string) => Promise<void>,
): Promise<Posted> {
  const content = JSON.stringify([message.text, message.blocks ?? null]);
  if (entry.ts !== null) {
    if (lastSent.get(`${entry.channel}/${entry.ts}`) === content)
      return { channel: entry.channel, ts: entry.ts, posted: false };
    await slack.update({ channel: entry.channel, ts: entry.ts, text: message.text, blocks: message.blocks });
    remember(entry.channel, entry.ts, content);
    return { channel: entry.channel, ts: entry.ts, posted: false };
  }
  const sent = await slack.post(message);
  await record(sent.ts);
  remember(sent.channel, sent.ts, content);
  return { channel: sent.channel, ts: sent.ts, posted: true };
}

/**
 * Edits a message this process knows by its ts (a problem card), skipping the call when this process last sent it
 * the same content: a job that waited its channel's turn runs again from the top and must not spend its turn
 * re-sending what already went out.
 */
export async function updateIfChanged(slack: SlackOut, message: UpdateMessage): Promise<boolean> {
  const content = JSON.stringify([message.text, message.blocks ?? null]);
  if (lastSent.get(`${message.channel}/${message.ts}`) === content) return false;
  await slack.update(message);
  remember(message.channel, message.ts, content);
  return true;
}

/** Posts once; a later call with the same key leaves the message as it is. */
export async function postOnce(db: Db, slack: SlackOut, key: string, message: PostMessage): Promise<Posted> {
  return withEntry(db, key, message.channel, async (entry, record) => {
    if (entry.ts !== null) return { channel: entry.channel, ts: entry.ts, posted: false };
    const sent = await slack.post(message);
    await record(sent.ts);
    return { channel: sent.channel, ts: sent.ts, posted: true };
  });
}

/** Files cannot be edited in place: once uploaded under a key, never again. The file id stands in for a ts. */
export async function uploadOnce(db: Db, slack: SlackOut, key: string, upload: PngUpload): Promise<boolean> {
  return withEntry(db, key, upload.channel, async (entry, record) => {
    if (entry.ts !== null) return false;
    const { fileId } = await slack.uploadPng(upload);
    await record(fileId ?? 'uploaded');
    return true;
  });
}
