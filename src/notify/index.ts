export type { NotifyDeps } from './deps.ts';
export { type PostDigestResult, postDigestNow } from './digest.ts';
export type { SlackOut } from './ledger.ts';
export { createNotifyJobs, tickOf } from './processor.ts';
export { scheduleDigest, unscheduleDigest } from './schedule.ts';
