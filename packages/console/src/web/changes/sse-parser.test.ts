import { describe, expect, it } from 'vitest';
import { SseParser, type SseItem } from './sse-parser';

/** Everything the parser made of `chunks`, fed one after the other. */
function parse(chunks: readonly string[]): SseItem[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

/** `text` cut at `cuts` (offsets, ascending). */
function cutAt(text: string, cuts: readonly number[]): string[] {
  const pieces: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    pieces.push(text.slice(from, cut));
    from = cut;
  }
  pieces.push(text.slice(from));
  return pieces;
}

/** A small deterministic generator (the same cuts on every run). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** What the change feed sends: `retry:` first, changes with their cursors, heartbeats. */
const FEED =
  'retry: 2000\n\n' +
  'id: c1\nevent: change\ndata: {"cursor":"c1","kind":"create","n":"ü → 😀"}\n\n' +
  ': heartbeat\n\n' +
  'id: c2\nevent: change\ndata: {"cursor":"c2","kind":"update"}\n\n';

const FEED_ITEMS: SseItem[] = [
  { kind: 'retry', ms: 2000 },
  {
    kind: 'event',
    type: 'change',
    data: '{"cursor":"c1","kind":"create","n":"ü → 😀"}',
    id: 'c1',
  },
  { kind: 'comment', text: 'heartbeat' },
  { kind: 'event', type: 'change', data: '{"cursor":"c2","kind":"update"}', id: 'c2' },
];

describe('SseParser', () => {
  it('reads the change feed’s events, comments and retry', () => {
    expect(parse([FEED])).toStrictEqual(FEED_ITEMS);
  });

  it('gives the same items however the text is cut: every single cut, and random ones', () => {
    for (let cut = 0; cut <= FEED.length; cut++)
      expect(parse(cutAt(FEED, [cut])), `cut at ${cut}`).toStrictEqual(FEED_ITEMS);
    const next = random(7);
    for (let run = 0; run < 200; run++) {
      const cuts = Array.from({ length: 1 + Math.floor(next() * 12) }, () =>
        Math.floor(next() * (FEED.length + 1)),
      ).sort((a, b) => a - b);
      expect(parse(cutAt(FEED, cuts)), `cuts ${cuts.join(',')}`).toStrictEqual(FEED_ITEMS);
    }
    // One UTF-16 code unit at a time (the emoji's two halves apart, too).
    const units = Array.from({ length: FEED.length }, (_, i) => FEED.slice(i, i + 1));
    expect(parse(units)).toStrictEqual(FEED_ITEMS);
  });

  it('dispatches nothing before the blank line that ends an event', () => {
    const parser = new SseParser();
    expect(parser.push('id: c1\nevent: change\ndata: {"a":1}\n')).toStrictEqual([]);
    expect(parser.lastEventId).toBe('');
    expect(parser.push('\n')).toStrictEqual([
      { kind: 'event', type: 'change', data: '{"a":1}', id: 'c1' },
    ]);
    expect(parser.lastEventId).toBe('c1');
    // A stream that ends inside an event: the event is never dispatched, the id not taken.
    expect(parser.push('id: c2\nevent: change\ndata: {"a":2}')).toStrictEqual([]);
    expect(parser.lastEventId).toBe('c1');
  });

  it('joins several data lines with newlines, and keeps blank data lines', () => {
    expect(parse(['data: first\ndata: second\ndata\ndata:  two spaces\n\n'])).toStrictEqual([
      { kind: 'event', type: 'message', data: 'first\nsecond\n\n two spaces', id: '' },
    ]);
  });

  it('takes LF, CRLF and CR as line endings, a CRLF cut between two chunks included', () => {
    const expected: SseItem[] = [
      { kind: 'event', type: 'change', data: 'a\nb', id: '1' },
      { kind: 'event', type: 'change', data: 'c', id: '2' },
    ];
    const crlf =
      'id: 1\r\nevent: change\r\ndata: a\r\ndata: b\r\n\r\nid: 2\r\nevent: change\r\ndata: c\r\n\r\n';
    expect(parse([crlf])).toStrictEqual(expected);
    for (let cut = 0; cut <= crlf.length; cut++)
      expect(parse(cutAt(crlf, [cut])), `cut at ${cut}`).toStrictEqual(expected);
    expect(parse([crlf.replace(/\r\n/g, '\r')])).toStrictEqual(expected);
    // A CR ending a chunk, then a LF that is a blank line of its own: one ending each.
    expect(parse(['data: x\r', '\n', '\n'])).toStrictEqual([
      { kind: 'event', type: 'message', data: 'x', id: '' },
    ]);
    expect(parse(['data: x\r', '\r'])).toStrictEqual([
      { kind: 'event', type: 'message', data: 'x', id: '' },
    ]);
  });

  it('ignores comments as events, unknown fields, bad retries, and blocks without data', () => {
    expect(
      parse([
        ':no space\n: heartbeat\n\n',
        'foo: bar\nretry: soon\nretry: 15s\nevent: lonely\n\n',
        'retry: 0\n\n',
        'event: change\ndata: kept\n\n',
      ]),
    ).toStrictEqual([
      { kind: 'comment', text: 'no space' },
      { kind: 'comment', text: 'heartbeat' },
      { kind: 'retry', ms: 0 },
      // The lonely event type did not carry over to the next event.
      { kind: 'event', type: 'change', data: 'kept', id: '' },
    ]);
  });

  it('keeps the last id for events without one, takes an empty id, ignores one with NUL', () => {
    expect(
      parse([
        'id: a\ndata: 1\n\n',
        'data: 2\n\n',
        'id: bad\u0000id\ndata: 3\n\n',
        'id\ndata: 4\n\n',
        'id:no-space\ndata: 5\n\n',
      ]).map((item) => (item.kind === 'event' ? [item.data, item.id] : item)),
    ).toStrictEqual([
      ['1', 'a'],
      ['2', 'a'],
      ['3', 'a'],
      ['4', ''],
      ['5', 'no-space'],
    ]);
    // An id-only block moves the id a reconnection resumes after, with nothing dispatched.
    const parser = new SseParser();
    expect(parser.push('id: x\n\n')).toStrictEqual([]);
    expect(parser.lastEventId).toBe('x');
  });

  it('a field without a colon is a field with an empty value; only one space is dropped', () => {
    expect(parse(['data\n\n', 'data:  x \n\n', 'data:x:y\n\n'])).toStrictEqual([
      { kind: 'event', type: 'message', data: '', id: '' },
      { kind: 'event', type: 'message', data: ' x ', id: '' },
      { kind: 'event', type: 'message', data: 'x:y', id: '' },
    ]);
  });

  it('drops a byte order mark at the start only', () => {
    expect(parse(['\uFEFFdata: a\n\n', '\uFEFFdata: b\n\n'])).toStrictEqual([
      { kind: 'event', type: 'message', data: 'a', id: '' },
      // Later, the mark is part of a field name that is not `data`: ignored.
    ]);
  });

  it('decodes UTF-8 bytes cut inside a character', () => {
    const bytes = new TextEncoder().encode(FEED);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = new SseParser();
      const items = [
        ...parser.pushBytes(bytes.slice(0, cut)),
        ...parser.pushBytes(bytes.slice(cut)),
      ];
      expect(items, `cut at byte ${cut}`).toStrictEqual(FEED_ITEMS);
    }
  });

  it('ignores empty chunks', () => {
    const parser = new SseParser();
    expect([
      ...parser.push('data: x\r'),
      ...parser.push(''),
      ...parser.push('\n'),
      ...parser.push(''),
      ...parser.push('\n'),
    ]).toStrictEqual([{ kind: 'event', type: 'message', data: 'x', id: '' }]);
  });
});
