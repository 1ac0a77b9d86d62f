import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@groupidentify/local-services';
import { enqueueJobs, openPartitionQueue, type JobPayload } from '@groupidentify/queue-contract';
import type { Queue } from 'bullmq';
import { BacklogMonitor } from './backlog-monitor.js';
import { createIngestMetrics, recordBacklog } from './metrics.js';

// The backlog figures ingest publishes (/metrics) and the operator view charts, read from real
// partition queues: waiting jobs, and how long the oldest of them has waited.

const payload = (tag: string): JobPayload => ({
  v: 1,
  items: [
    { project: 'p', group_type: 't', group_value: tag, group_properties: {}, received_at: 1 },
  ],
});

let connection: Redis;
let queues: Queue<JobPayload>[];
beforeAll(() => {
  connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const base = uniqueName('backlog');
  queues = [0, 1, 2].map((p) => openPartitionQueue(connection, base, p));
});
afterAll(async () => {
  await Promise.all(queues.map((q) => q.obliterate({ force: true })));
  await Promise.all(queues.map((q) => q.close()));
  connection.disconnect();
});

/** A metric's value for one partition, as /metrics would print it. */
async function sample(
  metrics: ReturnType<typeof createIngestMetrics>,
  name: string,
  partition: number,
): Promise<number> {
  const text = await metrics.registry.getSingleMetricAsString(name);
  const line = new RegExp(`^${name}\\{partition="${partition}"\\} (\\S+)$`, 'm').exec(text);
  if (line?.[1] === undefined) throw new Error(`no ${name} for partition ${partition}:\n${text}`);
  return Number(line[1]);
}

describe('BacklogMonitor', () => {
  it('counts waiting jobs and the age of the oldest per partition, and publishes both', async () => {
    const [first, second] = queues;
    if (first === undefined || second === undefined) throw new Error('three queues');
    const oldestAddedAt = Date.now();
    await enqueueJobs(first, [payload('a'), payload('b')]);
    await enqueueJobs(second, [payload('c')]);
    // Whatever the monitor reads, the age is measured from when the oldest job was added.
    const [oldest] = await first.getJobs(['wait'], 0, 0, true);
    expect(oldest?.data.items[0]?.group_value).toBe('a');

    const metrics = createIngestMetrics();
    const monitor = new BacklogMonitor(queues, recordBacklog(metrics));
    const before = Date.now();
    await monitor.refresh();
    const after = Date.now();

    expect([0, 1, 2].map((p) => monitor.count(p))).toStrictEqual([2, 1, 0]);
    const age = monitor.oldestAgeSeconds(0);
    expect(age).toBeGreaterThanOrEqual((before - (oldest?.timestamp ?? 0)) / 1000);
    expect(age).toBeLessThanOrEqual((after - oldestAddedAt) / 1000 + 0.001);
    expect(monitor.oldestAgeSeconds(2)).toBe(0);
    expect(monitor.lastRefresh()?.getTime()).toBeGreaterThanOrEqual(before);

    for (const p of [0, 1, 2]) {
      expect(await sample(metrics, 'gi_backlog_jobs', p)).toBe(monitor.count(p));
      expect(await sample(metrics, 'gi_partition_oldest_job_age_seconds', p)).toBe(
        monitor.oldestAgeSeconds(p),
      );
    }
  });
});
