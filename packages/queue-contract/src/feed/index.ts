/**
 * The change feed's reading side (docs/development.md#the-change-feed-module): every server-side
 * reader of the feed reads through here. The workers announce their commits
 * ({@link announceChanges}); each process holds one subscription to those notices
 * ({@link ChangeNotices}). A reader starts at {@link startCursor} (the beginning, `now` or a
 * cursor), reads pages with what the notices know ({@link readFeedPage}) and follows them with
 * {@link followFeed} (`/api/changes` long polls, `/api/changes/stream`, `changes tail`); a
 * reader of one partition (webhook delivery) asks {@link committedAfter} how far it may read.
 * The store keeps what it owns: positions and their records, the cursor's and a change's
 * formats, and the merge of partitions into a page. Clients of the HTTP API follow the feed with
 * loops of their own, through the API: the console's (browser code, over the stream:
 * packages/console/src/web/changes/follow-changes.ts) and the benchmark's reader (a long poll:
 * bench/feed-reader.ts).
 */
export * from './change-notices.js';
export type { AnnouncedSegment } from './announced-tail.js';
export { parseNotice } from './change-notice-message.js';
export * from './feed-page.js';
export * from './feed-readers.js';
export * from './start-cursor.js';
export * from './follow-feed.js';
export * from './committed-after.js';
