import { MongoClient } from 'mongodb';

/** True when the server at `url` answers the `ping` command. */
export async function mongoPing(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
  });
  try {
    const reply = await client.db('admin').command({ ping: 1 });
    return reply['ok'] === 1;
  } finally {
    await client.close();
  }
}
