import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { IngestMetrics } from './metrics.js';

/**
 * Requests Node's HTTP parser refuses before Express sees them (a URL or headers over
 * `maxHeaderSize`, malformed HTTP) get the JSON error shape of docs/api.md — Node's own answer is a
 * bare status line — and are counted like every other answer.
 */
export function answerClientErrorsAsJson(server: Server, metrics: IngestMetrics): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Nothing to answer on a dead socket, or once a response has begun on it. A request whose
    // body is still coming when the request timeout ends it has a response object, with nothing
    // sent yet: it gets its 408 (as Node's own handler would give it).
    const response = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    const busy = response?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || busy) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
    const body = JSON.stringify({ code: status, error: STATUS_CODES[status] ?? 'Bad request' });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    metrics.requests.inc({ route: 'other', status: String(status) });
  });
}
