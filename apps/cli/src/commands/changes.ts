import { ChangeNotices, connectRedis, readFeedPage } from '@groupidentify/queue-contract';
import { decodeFeedCursor, encodeFeedCursor } from '@groupidentify/store';
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
    const partitions = ctx.config.PARTITIONS;
    const store = await ctx.store();
    await requireProject(store, project);
    let from = { project, positions: await store.feed.heads(project, partitions) };
    if (options.after === 'start') from = { project, positions: [] };
    else if (options.after !== undefined && options.after !== 'now') {
      const cursor = decodeFeedCursor(options.after, project);
      if (cursor === undefined)
        throw new UsageError(
          `--after takes now, start or a change feed cursor of project ${project}`,
        );
      from = cursor;
    }
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
      while (!stop.aborted) {
        const seen = notices.counter(project);
        const page = await readFeedPage(store.feed, notices, from, {
          limit: PAGE,
          groupType: options.type,
          partitions,
        });
        for (const change of page.items) await ctx.io.write(`${JSON.stringify(change)}\n`);
        printed += page.items.length;
        const moved = page.next.positions.some((p, i) => p !== from.positions[i]);
        from = page.next;
        if (!moved) await notices.wait(project, seen, IDLE_READ_MS, stop);
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

export const changeCommands: readonly Command[] = [tail];
