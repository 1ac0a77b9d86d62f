// The L_http baseline (docs/performance.md): a bare Express 5 app that reads the same bodies as ingest's
// /groupidentify (raw bytes, gunzipped, 1 MB limit) and answers `success`. Run as a child process
// with plain node, like the compiled apps it is compared with (JavaScript, so nothing to build).
//
// BASELINE picks what the route does before it answers, so that the bench can show what the
// `success` contract (answered once the identification is in Redis) costs with none of ingest's
// own code (no parsing, validation, group commit, metrics):
// - `http` (the default): nothing;
// - `redis`: one `RPUSH` of the body (REDIS_URL), the least a durable enqueue can be;
// - `bullmq`: one BullMQ job per request, round-robin over ingest's partition queues (under
//   QUEUE_PREFIX, PARTITIONS of them) with ingest's job options, the body as its one item.
import express from 'express';

const baseline = process.env.BASELINE ?? 'http';
const enqueue = await enqueuer(baseline);

const app = express();
app.disable('x-powered-by');
const body = express.raw({ type: () => true, limit: 1024 * 1024, inflate: true });
app.post('/groupidentify', body, (req, res, next) => {
  if (enqueue === undefined) {
    res.type('text/plain').send('success');
    return;
  }
  enqueue(req.body).then(() => res.type('text/plain').send('success'), next);
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  console.log(JSON.stringify({ msg: 'bare listening', baseline, port }));
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

/** What the route awaits before answering; the modules are loaded only by the modes that use them. */
async function enqueuer(mode) {
  if (mode === 'http') return undefined;
  const { Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL ?? '', { maxRetriesPerRequest: null });
  const prefix = process.env.QUEUE_PREFIX ?? 'baseline';
  if (mode === 'redis') return (bytes) => redis.rpush(`${prefix}:bodies`, bytes);
  if (mode !== 'bullmq') throw new Error(`BASELINE must be http, redis or bullmq, not ${mode}`);
  const { enqueueJobs, openPartitionQueue } = await import('@groupidentify/queue-contract');
  const partitions = Number(process.env.PARTITIONS ?? 16);
  const queues = Array.from({ length: partitions }, (_, p) => openPartitionQueue(redis, prefix, p));
  let next = 0;
  return (bytes) => {
    const queue = queues[next++ % partitions];
    const item = {
      project: 'baseline',
      group_type: 'baseline',
      group_value: String(next),
      group_properties: { body: bytes.toString('latin1') },
      received_at: Date.now(),
    };
    return enqueueJobs(queue, [{ v: 1, items: [item] }]);
  };
}
