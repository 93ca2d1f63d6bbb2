export type { SlackOut } from '../slack/web-api/ledger.ts';
export type { NotifyDeps } from './deps.ts';
export { type PostDigestResult, postDigestNow } from './digest.ts';
export { createNotifyJobs, tickOf } from './processor.ts';
export { scheduleDigest, unscheduleDigest } from './schedule.ts';
