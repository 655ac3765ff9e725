import { describe, expect, it } from 'vitest';
import { readEvents, SseParser, type SseEvent } from './events.ts';

const STREAM = [
  ': keep-alive\n\n',
  'event: state\nid: 1\ndata: {"state":"queued","label":"caf\u00e9 \u{1F600}"}\n\n',
  'event: progress\r\ndata: {"done":1,\r\ndata: "total":2}\r\n\r\n',
  'data: no name\r\r',
  'event: epoch\ndata:{"epoch":1}\nretry: 10\nunknown field\n\n',
  'event: empty\n\n', // no data: not dispatched
].join('');

const EXPECTED: SseEvent[] = [
  { event: 'state', id: '1', data: '{"state":"queued","label":"café 😀"}' },
  { event: 'progress', id: '1', data: '{"done":1,\n"total":2}' },
  { event: 'message', id: '1', data: 'no name' },
  { event: 'epoch', id: '1', data: '{"epoch":1}' },
];

async function* chunks(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    yield bytes.slice(at, c);
    at = c;
  }
}

describe('SSE reader', () => {
  const bytes = new TextEncoder().encode(STREAM);

  it('reads a whole stream in one chunk', async () => {
    const got: SseEvent[] = [];
    for await (const e of readEvents(chunks(bytes, []))) got.push(e);
    expect(got).toEqual(EXPECTED);
  });

  it('gives the same events however the bytes are split: inside a multi-byte character, between \\r and \\n, inside "data:"', async () => {
    const at = (s: string, offset = 0) => new TextEncoder().encode(STREAM.slice(0, STREAM.indexOf(s))).length + offset;
    const awkward = [
      at('\u00e9', 1),
      at('\u{1F600}', 1),
      at('\u{1F600}', 3),
      at('\r\ndata: "total"', 1),
      at('\r\r', 1),
      at('ta:{"epoch"'),
      at('\n\nevent: empty', 1),
    ];
    const got: SseEvent[] = [];
    for await (const e of readEvents(chunks(bytes, awkward))) got.push(e);
    expect(got).toEqual(EXPECTED);
  });

  it('gives the same events when fed one byte at a time', async () => {
    const got: SseEvent[] = [];
    for await (const e of readEvents(
      chunks(
        bytes,
        Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
      ),
    ))
      got.push(e);
    expect(got).toEqual(EXPECTED);
  });

  it('drops an event the stream ends before closing, and keeps a \\r at a chunk end from doubling as a blank line', () => {
    const p = new SseParser();
    expect(p.push('event: a\r')).toEqual([]);
    expect(p.push('\ndata: x\r')).toEqual([]);
    expect(p.push('\n')).toEqual([]);
    expect(p.push('\r\n')).toEqual([{ event: 'a', data: 'x' }]);
    expect(p.push('data: unfinished\n')).toEqual([]);
  });
});
