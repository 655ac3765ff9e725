import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { GatewayError, isGatewayError } from '../../core/errors.ts';
import type { GatewayEnv } from './body.ts';
import { contentEncoding } from './content.ts';

/**
 * Pulls a Node request stream a part at a time: the stream is paused while a part waits to be taken,
 * so a client sends no faster than its body is used (TCP's own flow control does the rest).
 */
class Pull {
  private readonly parts: Buffer[] = [];
  private ended = false;
  private error: GatewayError | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly incoming: IncomingMessage) {
    incoming.on('data', this.onData);
    incoming.once('end', this.onEnd);
    incoming.once('error', this.onError);
    incoming.once('close', this.onClose);
  }

  private readonly onData = (part: Buffer) => {
    this.parts.push(part);
    this.incoming.pause();
    this.notify();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.notify();
  };
  private readonly onError = (e: Error) => {
    this.error ??= new GatewayError('INVALID_INPUT', `could not read the request body: ${e.message}`);
    this.notify();
  };
  private readonly onClose = () => {
    if (!this.ended) this.error ??= new GatewayError('CANCELLED', 'the client went away before its body was sent');
    this.notify();
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The next part, or undefined at the body's end. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const part = this.parts.shift();
      if (part) return part;
      if (this.error) throw this.error;
      if (this.ended) return undefined;
      this.incoming.resume();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Stops pulling: the rest of the body is read and dropped, so that an answer can still be sent. */
  drop(): void {
    this.incoming.off('data', this.onData);
    this.incoming.resume();
  }
}

const tooLarge = (limit: number) => new GatewayError('PAYLOAD_TOO_LARGE', `the request body exceeds ${limit} bytes`);

/**
 * The request body as it arrives, a part at a time, for a consumer that uses it as it goes (a streamed
 * recording): nothing is buffered beyond the part being handed over, the next part is read only when
 * asked for, and the body is capped at the request's stream limit (`AUDIO_BODY_LIMIT_MB` for an
 * `audio/*` body; 413 once it passes it). A compressed body (Content-Encoding) is refused with 415. A
 * consumer that stops early (an error) leaves the rest of the body to be read and dropped, so that its
 * answer can be sent; nothing thrown in the stream's listeners escapes.
 *
 * @example for await (const part of bodyParts(c)) session.write(part);
 */
export async function* bodyParts(c: Context<GatewayEnv>): AsyncGenerator<Uint8Array> {
  const limit = c.get('streamLimit') ?? c.get('bodyLimit') ?? Infinity;
  if (contentEncoding(c.req.header('content-encoding')) !== undefined)
    throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'a streamed body is taken uncompressed: send no Content-Encoding');
  const incoming = c.env?.incoming;
  let size = 0;
  if (!incoming || typeof incoming.on !== 'function') {
    // Not served by Node (app.request in unit tests): the WHATWG body stream.
    const reader = c.req.raw.body?.getReader();
    for (let r = await reader?.read(); r && !r.done; r = await reader!.read()) {
      size += r.value.length;
      if (size > limit) throw tooLarge(limit);
      yield r.value;
    }
    return;
  }
  const pull = new Pull(incoming);
  let complete = false;
  try {
    for (let part = await pull.next(); part; part = await pull.next()) {
      size += part.length;
      if (size > limit) throw tooLarge(limit);
      yield part;
    }
    complete = true;
  } catch (e) {
    if (isGatewayError(e)) throw e;
    throw new GatewayError('INVALID_INPUT', `could not read the request body: ${(e as Error).message}`);
  } finally {
    if (!complete) pull.drop();
  }
}
