import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got, as sent. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  answer: Answer;
}

/** `ok`: 204; `fail`: 503; `stall`: no answer until the client gives up. */
export type Answer = 'ok' | 'fail' | 'stall';

export interface WebhookReceiver {
  url: string;
  /** Every POST, in arrival order. */
  received: ReceivedWebhook[];
  /** Decides each answer (by default `ok`); may change at any time. */
  answer: (body: string) => Answer;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that records what it gets and answers as told. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    answer: () => 'ok',
    close: () => close(server),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = receiver.answer(body);
      receiver.received.push({ headers: req.headers, body, answer });
      if (answer === 'stall') return; // the sender's deadline ends it
      res.writeHead(answer === 'ok' ? 204 : 503, { 'content-type': 'text/plain' });
      res.end(answer === 'ok' ? '' : 'receiver says no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
