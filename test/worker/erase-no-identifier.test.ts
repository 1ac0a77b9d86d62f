import { createHmac, randomInt, randomUUID } from 'node:crypto';
import { EJSON } from 'bson';
import { partitionOf } from '@groupidentify/queue-contract';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { basic, send } from '../helpers/http.js';
import { pollUntil, redisUrl } from '../helpers/services.js';
import { useIngestAndWorker, waitForVersion } from '../helpers/worker.js';

// Erasure leaves no identifier behind (docs/guarantees.md#erasure-in-order-exactly-once): its
// feed entry carries a keyed hash of the value, its dead letters go however they hold the group,
// and a dead-lettered erasure is counted for alerts.

const services = useIngestAndWorker();
const redis = new Redis(redisUrl());
afterAll(() => redis.disconnect());

describe('erasure leaves no identifier behind', () => {
  it('scrubs the value from every collection but the tombstone key and from Redis; its dead letters go', async () => {
    const ingest = services.ingest();
    const auth = basic(ingest.apiKey, ingest.secretKey);
    const value = `erase-me-${randomUUID()}`;
    const numeric = String(7_777_000_000_000 + randomInt(1_000_000_000)); // reads as a number
    const other = `keep-me-${randomUUID()}`;
    const project = ingest.projectId;
    for (const v of [value, numeric]) {
      const identification = {
        group_type: 'org',
        group_value: v,
        group_properties: { email: `${v}@example.com` },
        insert_id: `insert-${v}`,
      };
      const reply = await send(ingest.url, { json: { api_key: ingest.apiKey, identification } });
      expect(reply.status).toBe(200);
      await waitForVersion(ingest, 'org', v, 1);
    }
    // Unreadable jobs (dead-lettered whole, raw data kept): one holding items of two groups and an
    // erasure of the first, one holding the numeric group's value as a number.
    const partitionOfValue = (v: string) =>
      partitionOf({ project, group_type: 'org', group_value: v }, ingest.config.PARTITIONS);
    const opts = { removeOnComplete: true, removeOnFail: false } as const;
    await ingest.queue(partitionOfValue(value)).add(
      'identify',
      {
        v: 1,
        items: [
          { project, group_type: 'org', group_value: value, group_properties: 'not an object' },
          { project, group_type: 'org', group_value: other, group_properties: 'nor this' },
          { kind: 'delete', project, group_type: 'org', group_value: value, received_at: 'never' },
        ],
      } as never,
      opts,
    );
    await ingest
      .queue(partitionOfValue(numeric))
      .add(
        'identify',
        { v: 1, items: [{ project, group_type: 'org', group_value: Number(numeric) }] } as never,
        opts,
      );
    await pollUntil(async () => (await ingest.raw.deadLetters.countDocuments()) === 2, {
      timeoutMs: 20_000,
      description: 'the unreadable jobs to be dead-lettered',
    });
    // The erasure inside the unreadable job was dead-lettered: the alert's counter says so.
    const counted = await services.worker().metrics.erasuresDeadLettered.get();
    expect(counted.values[0]?.value).toBe(1);

    for (const v of [value, numeric]) {
      const reply = await send(ingest.url, {
        method: 'DELETE',
        path: `/api/groups/org/${encodeURIComponent(v)}`,
        headers: { authorization: auth },
      });
      expect(reply.status).toBe(202);
    }
    for (const v of [value, numeric])
      await pollUntil(
        async () =>
          (
            await send(ingest.url, {
              method: 'GET',
              path: `/api/groups/org/${encodeURIComponent(v)}`,
              headers: { authorization: auth },
            })
          ).status === 404,
        { timeoutMs: 20_000, description: `org/${v} to be erased` },
      );

    // MongoDB: no document holds either value, but the tombstones, whose `_id` is the group's key.
    const db = ingest.mongo.db();
    const collections = await db.listCollections({}, { nameOnly: true }).toArray();
    expect(collections.length).toBeGreaterThan(3);
    for (const { name } of collections) {
      for (const doc of await db.collection(name).find({}).toArray()) {
        const text = EJSON.stringify(doc);
        if (name === 'groups' && doc['erased'] === true) {
          expect(doc['properties']).toStrictEqual({});
          continue;
        }
        expect(text, `${name} ${text}`).not.toContain(value);
        expect(text, `${name} ${text}`).not.toContain(numeric);
      }
    }
    // The other group's item of the unreadable job is still there: only the erased group's went.
    const letters = await ingest.raw.deadLetters.find({}).toArray();
    expect(EJSON.stringify(letters)).toContain(other);

    // Redis: neither key names nor contents under the deployment's prefix.
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `*${ingest.config.QUEUE_PREFIX}*`);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const text = `${key} ${JSON.stringify(await dump(redis, key))}`;
      expect(text).not.toContain(value);
      expect(text).not.toContain(numeric);
    }

    // The feed: the delete entries carry the keyed hash a reader with the key can compute.
    const page = await send(ingest.url, {
      method: 'GET',
      path: '/api/changes?group_type=org&limit=1000',
      headers: { authorization: auth },
    });
    expect(page.status, page.text).toBe(200);
    expect(page.text).not.toContain(value);
    const deletes = (page.json() as { items: Record<string, unknown>[] }).items.filter(
      (i) => i['kind'] === 'delete',
    );
    const key = (await ingest.raw.projects.findOne({ _id: project }))?.erasure_key ?? '';
    expect(key).not.toBe('');
    const hash = (v: string) => createHmac('sha256', key).update(v, 'utf8').digest('hex');
    expect(deletes.map((d) => d['group_hash']).sort()).toStrictEqual(
      [hash(value), hash(numeric)].sort(),
    );
    for (const d of deletes) expect(d).not.toHaveProperty('group_value');
  });
});

async function dump(redis: Redis, key: string): Promise<unknown> {
  switch (await redis.type(key)) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, 0, -1);
    case 'stream':
      return redis.xrange(key, '-', '+');
    default:
      return null;
  }
}
