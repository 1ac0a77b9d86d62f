import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalServer } from './local-server.js';
import { startMongo } from './mongo-server.js';
import { startRedis } from './redis-server.js';

// Reliability tests stop and restart the stores under load; the servers must come back on the same
// port with their data. These use their own servers so the shared ones stay untouched.
const dir = mkdtempSync(join(tmpdir(), 'groupidentify-restart-'));
const servers: LocalServer[] = [];

afterAll(async () => {
  await Promise.allSettled(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('local servers restart on the same port with their data', () => {
  it('redis keeps AOF data across a SIGTERM restart and a SIGKILL crash', async () => {
    const redis = await startRedis({ dir: join(dir, 'redis') });
    servers.push(redis);
    const client = new Redis(redis.url, { maxRetriesPerRequest: null });
    try {
      await client.set('k', 'before-restart');
      await redis.restart();
      expect(await client.get('k')).toBe('before-restart');

      // appendfsync always makes the write durable before the reply, so a crash cannot lose it.
      await client.config('SET', 'appendfsync', 'always');
      await client.set('k', 'before-crash');
      await redis.stop({ signal: 'SIGKILL' });
      expect(redis.running).toBe(false);
      await redis.start();
      expect(await client.get('k')).toBe('before-crash');
    } finally {
      client.disconnect();
    }
  });

  it('the MongoDB wire server keeps documents across a restart', async () => {
    const mongo = await startMongo({ dir: join(dir, 'mongo') });
    servers.push(mongo);
    const client = await MongoClient.connect(mongo.url, { serverSelectionTimeoutMS: 10_000 });
    try {
      const docs = client.db('restart').collection<{ _id: string; n: number }>('docs');
      await docs.insertOne({ _id: 'a', n: 1 });
      const port = mongo.port;
      await mongo.restart();
      expect(mongo.port).toBe(port);
      expect(await docs.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
    } finally {
      await client.close();
    }
  });
});
