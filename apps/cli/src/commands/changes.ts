import {
  ChangeNotices,
  InvalidCursor,
  connectRedis,
  followFeed,
  readFeedPage,
  startCursor,
} from '@groupidentify/queue-contract';
import { encodeFeedCursor, type ChangeFeedStore } from '@groupidentify/store';
import { UsageError } from '../cli-error.js';
import { requireProject } from '../not-found.js';
import type { Command } from '../command.js';

/** Idle this long, the tail reads the store again even without a notice (one may be lost). */
const IDLE_READ_MS = 15_000;
const PAGE = 500;

const tail: Command = {
  name: 'changes tail',
  synopsis: '--project <id> [--type <t>] [--after now|start|<cursor>]',
  summary: 'print changes as NDJSON as they are applied, until Ctrl-C (docs/api.md#change-feed)',
  required: ['project'],
  optional: ['type', 'after'],
  async run(ctx, { options }) {
    const project = options.project ?? '';
    const partitions = await ctx.partitions();
    const store = await ctx.store();
    await requireProject(store, project);
    let from = await startingPoint(store.feed, project, partitions, options.after);
    const subscriber = connectRedis(ctx.config, {
      maxRetriesPerRequest: null,
    });
    subscriber.on('error', () => undefined); // reconnects by itself; the store is the truth
    const notices = await ChangeNotices.subscribe(subscriber, ctx.config.QUEUE_PREFIX);
    const stop = ctx.io.interrupted;
    ctx.io.err(
      `following the changes of project ${project}${options.type === undefined ? '' : ` of type ${options.type}`} (Ctrl-C to stop)…`,
    );
    let printed = 0;
    const resumeHint = () => `resume with --after ${encodeFeedCursor(from)}`;
    try {
      const pages = followFeed({
        notices,
        from,
        read: (after) =>
          readFeedPage(store.feed, notices, after, {
            limit: PAGE,
            groupType: options.type,
            partitions,
          }),
        waitMs: () => IDLE_READ_MS,
        stop,
      });
      for await (const page of pages) {
        for (const change of page.items) await ctx.io.write(`${JSON.stringify(change)}\n`);
        printed += page.items.length;
        from = page.next;
      }
    } catch (error) {
      ctx.io.err(`failed after ${printed} changes; ${resumeHint()}`);
      throw error;
    } finally {
      await notices.close();
    }
    return { streamed: true, summary: `stopped after ${printed} changes; ${resumeHint()}` };
  },
};

/** `--after`: `now` (the default), `start` (the beginning) or a cursor ({@link startCursor}). */
async function startingPoint(
  feed: ChangeFeedStore,
  project: string,
  partitions: number,
  after: string | undefined,
) {
  try {
    return await startCursor(
      feed,
      project,
      partitions,
      after === 'start' ? undefined : (after ?? 'now'),
    );
  } catch (error) {
    if (!(error instanceof InvalidCursor)) throw error;
    throw new UsageError(`--after takes now, start or a change feed cursor of project ${project}`);
  }
}

export const changeCommands: readonly Command[] = [tail];
