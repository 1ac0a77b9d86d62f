import { connect } from 'node:net';

/**
 * True when the Redis server on 127.0.0.1:`port` answers PING with PONG. A raw RESP exchange keeps
 * this package free of a Redis client; a server still loading its AOF answers `-LOADING`, which is
 * "not ready" here, as it should be.
 */
export async function redisPing(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => {
      done(false);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
