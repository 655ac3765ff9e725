/** One server-sent event: its name (`message` when none was sent), data lines joined by `\n`, and id. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * A server-sent events parser (the WHATWG event-stream format) fed text in pieces of any size: lines end in
 * `\n`, `\r\n` or `\r` (also when a `\r\n` is split between two pieces), `:` lines are comments, an event is
 * dispatched at a blank line, one without data is dropped.
 *
 * @example
 * const p = new SseParser();
 * p.push('event: epoch\nda'); // []
 * p.push('ta: {"epoch":1}\n\n'); // [{ event: 'epoch', data: '{"epoch":1}' }]
 */
export class SseParser {
  private buffer = '';
  private skipLf = false;
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  /** Adds text; returns the events it completed. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch === '\n' && this.skipLf && i === start) {
        // The \n of a \r\n whose \r ended the previous line.
        this.skipLf = false;
        start = i + 1;
        continue;
      }
      this.skipLf = false;
      if (ch !== '\n' && ch !== '\r') continue;
      const e = this.line(this.buffer.slice(start, i));
      if (e) out.push(e);
      if (ch === '\r') this.skipLf = true;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      const e = this.data.length
        ? {
            event: this.event || 'message',
            data: this.data.join('\n'),
            ...(this.id !== undefined ? { id: this.id } : {}),
          }
        : undefined;
      this.event = '';
      this.data = [];
      return e;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return undefined;
  }
}

/**
 * The events of a response body (`fetch(...).body`), decoded as UTF-8 across chunk boundaries, until the
 * stream ends. An event not yet closed by a blank line when the stream ends is dropped, as browsers do.
 *
 * @example
 * for await (const e of readEvents((await fetch(`${url}/v1/jobs/${id}/events`)).body!)) console.log(e.event);
 */
export async function* readEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for await (const chunk of body) yield* parser.push(decoder.decode(chunk, { stream: true }));
  yield* parser.push(decoder.decode());
}
