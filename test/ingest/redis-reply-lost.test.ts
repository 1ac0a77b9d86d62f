import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { partitionOf, partitionPrefix, QUEUE_NAME } from '@groupidentify/queue-contract';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestIngest, type TestIngest } from '../helpers/ingest.js';
import { pollUntil, redisUrl } from '../helpers/services.js';

// A Redis connection lost after Redis ran an enqueue but before its reply came back: the enqueue
// happened, and ingest cannot know. ioredis sends every unanswered command again after it
// reconnects, by default: the job was added twice, and its identifications applied twice (a
// Redis crash test caught it once in CI). Ingest must never send it again: the request gets the
// enqueue timeout's 503 (maybe accepted), and the identification is queued once.
//
// A TCP proxy between ingest and the test's Redis forwards everything, until it is told to keep
// Redis' replies to itself; then it cuts every connection, and forwards again.

interface ReplyEatingProxy {
  url: string;
  eatReplies(): void;
  cutAndForward(): void;
  close(): Promise<void>;
}

async function replyEatingProxy(target: URL): Promise<ReplyEatingProxy> {
  let eating = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        open.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d: Buffer) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      if (!eating) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy address');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    eatReplies: () => (eating = true),
    cutAndForward() {
      for (const s of open) s.destroy();
      eating = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let proxy: ReplyEatingProxy;
let ingest: TestIngest;
let direct: Redis;

beforeAll(async () => {
  proxy = await replyEatingProxy(new URL(redisUrl()));
  ingest = await startTestIngest({ REDIS_URL: proxy.url, ENQUEUE_TIMEOUT_MS: '1000' });
  direct = new Redis(redisUrl());
});

afterAll(async () => {
  await ingest.close();
  direct.disconnect();
  await proxy.close();
});

const post = (value: string) =>
  fetch(`${ingest.url}/groupidentify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      api_key: ingest.apiKey,
      identification: { group_type: 'org', group_value: value, group_properties: { n: 1 } },
    }),
  });

it('an enqueue whose reply was lost is never sent again: 503, and queued once', async () => {
  const key = { project: ingest.projectId, group_type: 'org', group_value: 'lost-reply' };
  const partition = partitionOf(key, ingest.config.PARTITIONS);
  const jobIds = `${partitionPrefix(ingest.config.QUEUE_PREFIX, partition)}:${QUEUE_NAME}:id`;
  const idsBefore = Number((await direct.get(jobIds)) ?? 0);

  proxy.eatReplies();
  const answer = post('lost-reply');
  // Redis ran the enqueue (its job id counter moved); its reply went nowhere.
  await pollUntil(async () => Number((await direct.get(jobIds)) ?? 0) > idsBefore, {
    timeoutMs: 10_000,
    description: 'the enqueue ran in Redis',
  });
  proxy.cutAndForward();

  const res = await answer;
  expect(res.status).toBe(503);
  // Ingest is connected again: a later identification is accepted (a resent command would have
  // gone first, on the new connection).
  await pollUntil(async () => (await post('after')).status === 200, {
    timeoutMs: 10_000,
    description: 'ingest accepts again',
  });
  const queued = (await ingest.items(partition)).filter((i) => i.group_value === 'lost-reply');
  expect(queued).toHaveLength(1);
  expect(Number(await direct.get(jobIds))).toBe(idsBefore + 1);
});
