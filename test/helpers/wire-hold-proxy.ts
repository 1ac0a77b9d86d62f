import { createServer, connect, type Socket } from 'node:net';
import { listenOnLoopback, tracking } from './tcp-proxy.js';

/**
 * A loopback TCP proxy in front of a real MongoDB-wire server that reads the wire protocol's
 * framing (every message starts with its length, its request id and the id it responds to), so
 * a test can hold the reply to one query and see which queries reached the server. Not a mock:
 * every byte goes to the real server and back, only later.
 */
export interface WireHoldProxy {
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /**
   * From now on, holds the reply to any request whose bytes contain `marker` (a group's value,
   * say), and everything after it on that connection, until {@link release}.
   */
  holdRepliesTo(marker: string): void;
  /** Replies held now. */
  held(): number;
  /** Sends on what was held and holds nothing more. */
  release(): void;
  /** Whether any request that contained `marker` was sent to the server. */
  sent(marker: string): boolean;
  close(): Promise<void>;
}

const HEADER_BYTES = 16;

/** One connection's replies held, in order; `done` once sent on. */
interface Held {
  client: Socket;
  queue: Buffer[];
  done: boolean;
}

/** Splits a byte stream into whole wire messages as they complete. */
function messages(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= HEADER_BYTES) {
      const length = pending.readInt32LE(0);
      if (pending.length < length) break;
      onMessage(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  };
}

export async function startWireHoldProxy(target: string): Promise<WireHoldProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const markers: string[] = [];
  const sentRequests: Buffer[] = [];
  const heldRequestIds = new Set<number>();
  const holds: Held[] = [];
  let holding = false;
  const track = tracking(sockets);
  const server = createServer((client) => {
    track(client);
    const upstream = connect(Number(port), hostname);
    track(upstream);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.on(
      'data',
      messages((message) => {
        sentRequests.push(message);
        if (holding && markers.some((m) => message.includes(m)))
          heldRequestIds.add(message.readInt32LE(4));
        upstream.write(message);
      }),
    );
    // The replies of this connection held since one was, in order.
    let held: Held | undefined;
    upstream.on(
      'data',
      messages((message) => {
        if (held?.done === true) held = undefined;
        if (held === undefined && holding && heldRequestIds.has(message.readInt32LE(8))) {
          held = { client, queue: [], done: false };
          holds.push(held);
        }
        if (held !== undefined && holding) held.queue.push(message);
        else client.write(message);
      }),
    );
  });
  const { via } = await listenOnLoopback(server);
  return {
    via,
    holdRepliesTo(marker) {
      holding = true;
      markers.push(marker);
    },
    held: () => holds.reduce((n, h) => n + h.queue.length, 0),
    release() {
      holding = false;
      for (const held of holds.splice(0)) {
        held.done = true;
        for (const m of held.queue) held.client.write(m);
      }
    },
    sent: (marker) => sentRequests.some((m) => m.includes(marker)),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
