/**
 * A `text/event-stream` parser (the HTML standard's "event stream interpretation"), fed the
 * stream's text in whatever pieces the network delivers: a line, a field or a line ending may be
 * cut anywhere, and nothing is dispatched before the blank line that ends its event. The console
 * needs it because `EventSource` cannot send an `Authorization` header: the page reads
 * `GET /api/changes/stream` with `fetch` and hands each decoded chunk to {@link SseParser.push}.
 */

/** What the stream said, in order. */
export type SseItem =
  | {
      kind: 'event';
      /** `event:`, or `message` when the event named none. */
      type: string;
      /** Every `data:` line of the event, joined by `\n`. */
      data: string;
      /** The last `id:` seen so far on this stream (it carries over to events without one). */
      id: string;
    }
  /** `retry:` — how long to wait before reconnecting, in milliseconds. */
  | { kind: 'retry'; ms: number }
  /** A line starting with `:` (the feed's `: heartbeat`), without the colon and one space. */
  | { kind: 'comment'; text: string };

export class SseParser {
  private readonly decoder = new TextDecoder();
  /** The text after the last complete line. */
  private pending = '';
  /** The previous chunk ended in CR: a LF at the start of the next one belongs to it. */
  private afterCr = false;
  private started = false;
  private data: string[] = [];
  private type = '';
  /** The standard's "last event ID buffer": set by each `id:` line. */
  private idBuffer = '';
  /** The standard's "last event ID string": the buffer as it was at the last blank line. */
  private dispatchedId = '';

  /**
   * The id a reconnection resumes after (`Last-Event-ID`): the last `id:` of a block the stream
   * finished (a blank line), never one of an event cut off before its end. Empty until then.
   */
  get lastEventId(): string {
    return this.dispatchedId;
  }

  /**
   * Bytes as they come off the network (UTF-8, as the format says): a character cut between two
   * chunks waits for its other half.
   */
  pushBytes(bytes: Uint8Array): SseItem[] {
    return this.push(this.decoder.decode(bytes, { stream: true }));
  }

  /** Parses `chunk` of text and returns what it completed, in order. */
  push(chunk: string): SseItem[] {
    if (chunk === '') return [];
    let text = chunk;
    if (!this.started) {
      this.started = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1); // a byte order mark is not data
    }
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = text.endsWith('\r');
    const items: SseItem[] = [];
    let start = 0;
    const all = this.pending + text;
    // Lines end in CRLF, LF or CR.
    const endings = /\r\n|\n|\r/g;
    let match: RegExpExecArray | null;
    while ((match = endings.exec(all)) !== null) {
      // A CR as the very last character may be the first half of a CRLF cut in two: it still
      // ends the line (the LF that may follow is skipped by `afterCr`).
      this.line(all.slice(start, match.index), items);
      start = match.index + match[0].length;
    }
    this.pending = all.slice(start);
    return items;
  }

  private line(line: string, items: SseItem[]): void {
    if (line === '') {
      this.dispatch(items);
      return;
    }
    if (line.startsWith(':')) {
      items.push({ kind: 'comment', text: line.slice(1).replace(/^ /, '') });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        // An id holding NUL is ignored, as the standard says.
        if (!value.includes('\u0000')) this.idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) items.push({ kind: 'retry', ms: Number(value) });
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  /** A blank line: the event so far, if it has data; either way, a fresh event begins. */
  private dispatch(items: SseItem[]): void {
    this.dispatchedId = this.idBuffer;
    if (this.data.length > 0)
      items.push({
        kind: 'event',
        type: this.type === '' ? 'message' : this.type,
        data: this.data.join('\n'),
        id: this.idBuffer,
      });
    this.data = [];
    this.type = '';
  }
}
