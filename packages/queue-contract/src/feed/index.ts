/**
 * The change feed's reading side (docs/development.md#the-change-feed-module): every reader of
 * the feed in a process reads through here. The workers announce their commits
 * ({@link announceChanges}); each process holds one subscription to those notices
 * ({@link ChangeNotices}); a page is read with what they know ({@link readFeedPage}). The store
 * keeps what it owns: positions and their records, the cursor's and a change's formats, and the
 * merge of partitions into a page.
 */
export * from './change-notices.js';
export type { AnnouncedSegment } from './announced-tail.js';
export { parseNotice } from './change-notice-message.js';
export * from './feed-page.js';
export * from './feed-readers.js';
export * from './start-cursor.js';
export * from './follow-feed.js';
export * from './committed-after.js';
