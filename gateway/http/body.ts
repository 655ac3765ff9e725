import type { Context, MiddlewareHandler } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../core/errors.ts';

/** What the gateway's Hono apps carry per request. */
export type GatewayEnv = {
  Variables: { bodyLimit: number };
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
};

const tooLarge = (limit: number) => new GatewayError('PAYLOAD_TOO_LARGE', `the request body exceeds ${limit} bytes`);

/**
 * Refuses bodies whose Content-Length exceeds `limit` (413) before reading them, and hands the limit to
 * `readBody` for bodies sent without a length (chunked). Reads nothing itself.
 */
export function limitBody(limit: number): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && Number(length) > limit) throw tooLarge(limit);
    c.set('bodyLimit', limit);
    await next();
  };
}

/**
 * The raw request body, read straight from Node's request stream (no WHATWG Request is built: on the
 * cache-hit path that object is the largest cost), capped at the body limit. With `alignAfter`, the
 * bytes from that offset on start 8-byte aligned in memory, so that binary tensors after a JSON header
 * of that length can be viewed in place instead of copied.
 */
export function readBody(c: Context<GatewayEnv>, alignAfter?: number): Promise<Buffer> {
  const limit = c.get('bodyLimit') ?? Infinity;
  const incoming = c.env?.incoming;
  if (!incoming || typeof incoming.on !== 'function') {
    return c.req.arrayBuffer().then((b) => {
      if (b.byteLength > limit) throw tooLarge(limit);
      return Buffer.from(b);
    });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        incoming.off('data', onData);
        incoming.resume(); // drain the rest so that the 413 can still be sent
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    incoming.on('data', onData);
    incoming.once('end', () => {
      if (alignAfter === undefined) return resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      const pad = (8 - (alignAfter % 8)) % 8;
      const out = Buffer.from(new ArrayBuffer(size + pad), pad, size);
      let o = 0;
      for (const ch of chunks) {
        out.set(ch, o);
        o += ch.length;
      }
      resolve(out);
    });
    incoming.once('error', (e) => reject(new GatewayError('INVALID_INPUT', `could not read the request body: ${e.message}`)));
  });
}

/** Parses a JSON body; malformed JSON is a clear 400, never a 500. */
export async function readJson(c: Context<GatewayEnv>): Promise<unknown> {
  return parseJsonText((await readBody(c)).toString('utf8'));
}

/** JSON.parse with the gateway's error for malformed or empty text. */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '') throw new GatewayError('INVALID_JSON', 'the request body is empty; expected JSON');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new GatewayError('INVALID_JSON', `malformed JSON: ${(e as Error).message}`);
  }
}

/**
 * Aborted when the client goes away before its answer is sent: queued work for it is then dropped.
 * Built on Node's response 'close' rather than the WHATWG request signal, which is costly to create.
 */
export function clientSignal(c: Context<GatewayEnv>): AbortSignal | undefined {
  const outgoing = c.env?.outgoing;
  if (!outgoing || typeof outgoing.once !== 'function') return c.req.raw.signal;
  const ac = new AbortController();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) ac.abort();
  });
  return ac.signal;
}
