import type { Context as TraceContext } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, invalidInput, isGatewayError } from '../../core/errors.ts';
import { contentEncoding, decodeContent, isAudioType, requireJsonType } from './content.ts';
import { checkJsonDepth } from './json-depth.ts';
import { DEFAULT_LIMITS, type EdgeLimits } from './limits.ts';
import type { RequestInfo } from './request-id.ts';

/** What the gateway's Hono apps carry per request. */
export type GatewayEnv = {
  /** `trace`: the request's trace context (its server span's), set only while tracing is on (telemetry/http.ts). */
  Variables: {
    /** The largest body read whole (readBody). */
    bodyLimit: number;
    /** The largest body read as a stream (bodyParts): an `audio/*` body's own limit. */
    streamLimit: number;
    limits: EdgeLimits;
    request: RequestInfo;
    trace: TraceContext;
  };
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
};

const tooLarge = (limit: number) => new GatewayError('PAYLOAD_TOO_LARGE', `the request body exceeds ${limit} bytes`);

/**
 * Refuses bodies whose Content-Length exceeds `limit` (413) before reading them, and hands the limit to
 * `readBody` for bodies sent without a length (chunked). An `audio/*` body, streamed to a model a chunk
 * at a time (`bodyParts`) rather than held whole, has its own `audioLimit`; read whole, any body stops
 * at `bodyLimit`. Reads nothing itself.
 */
export function limitBody(bodyLimit: number, audioLimit = bodyLimit): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const limit = isAudioType(c.req.header('content-type')) ? audioLimit : bodyLimit;
    const length = c.req.header('content-length');
    if (length !== undefined && !(Number(length) <= limit)) {
      if (/^\s*\d+\s*$/.test(length)) throw tooLarge(limit);
      throw new GatewayError('INVALID_INPUT', 'Content-Length is not a non-negative integer');
    }
    c.set('bodyLimit', bodyLimit);
    c.set('streamLimit', limit);
    await next();
  };
}

/** One buffer holding `parts`, whose bytes from `alignAfter` on start 8-byte aligned in memory. */
function alignedCopy(parts: readonly Uint8Array[], size: number, alignAfter: number): Buffer {
  const pad = (8 - (alignAfter % 8)) % 8;
  const out = Buffer.from(new ArrayBuffer(size + pad), pad, size);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

/** Reads Node's request stream up to `limit` bytes; nothing thrown in its listeners escapes. */
function readStream(incoming: IncomingMessage, limit: number, alignAfter: number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (e: unknown) => {
      incoming.off('data', onData);
      incoming.resume(); // drain the rest so that the error response can still be sent
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      try {
        size += chunk.length;
        if (size > limit) return fail(tooLarge(limit));
        chunks.push(chunk);
      } catch (e) {
        fail(new GatewayError('INVALID_INPUT', `could not read the request body: ${(e as Error).message}`));
      }
    };
    incoming.on('data', onData);
    incoming.once('end', () => {
      try {
        if (alignAfter === undefined) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
        else resolve(alignedCopy(chunks, size, alignAfter));
      } catch (e) {
        reject(new GatewayError('INVALID_INPUT', `could not read the request body: ${(e as Error).message}`));
      }
    });
    incoming.once('error', (e) =>
      reject(new GatewayError('INVALID_INPUT', `could not read the request body: ${e.message}`)),
    );
  });
}

/**
 * The raw request body, read straight from Node's request stream (no WHATWG Request is built: on the
 * cache-hit path that object is the largest cost), capped at the body limit. A gzip, deflate or br
 * Content-Encoding is decoded, capped at the same limit; any other is 415. With `alignAfter` (a
 * validated non-negative integer), the bytes from that offset on start 8-byte aligned in memory, so
 * that binary tensors after a JSON header of that length can be viewed in place instead of copied.
 */
export async function readBody(c: Context<GatewayEnv>, alignAfter?: number): Promise<Buffer> {
  const limit = c.get('bodyLimit') ?? Infinity;
  if (alignAfter !== undefined && !(Number.isSafeInteger(alignAfter) && alignAfter >= 0)) {
    throw new GatewayError('INVALID_INPUT', `cannot align a body after ${alignAfter} bytes`);
  }
  const encoding = contentEncoding(c.req.header('content-encoding'));
  const incoming = c.env?.incoming;
  let body: Buffer;
  if (!incoming || typeof incoming.on !== 'function') {
    const b = await c.req.arrayBuffer();
    if (b.byteLength > limit) throw tooLarge(limit);
    body = Buffer.from(b);
  } else {
    body = await readStream(incoming, limit, encoding ? undefined : alignAfter);
  }
  if (!encoding) return body;
  const decoded = await decodeContent(encoding, body, limit);
  return alignAfter === undefined ? decoded : alignedCopy([decoded], decoded.length, alignAfter);
}

/** Parses a JSON body (JSON Content-Type required, nesting depth checked first); malformed JSON is a clear 400. */
export async function readJson(c: Context<GatewayEnv>): Promise<unknown> {
  requireJsonType(c.req.header('content-type'));
  return parseJsonBody(c, await readBody(c));
}

/** JSON.parse of body bytes after the MAX_JSON_DEPTH check (a linear scan, no recursion). */
export function parseJsonBody(c: Context<GatewayEnv>, bytes: Uint8Array): unknown {
  return parseJsonBytes(bytes, (c.get('limits') ?? DEFAULT_LIMITS).maxJsonDepth);
}

/** JSON.parse of UTF-8 bytes nested at most `maxDepth` deep (checked first, without recursion). */
export function parseJsonBytes(bytes: Uint8Array, maxDepth: number): unknown {
  checkJsonDepth(bytes, maxDepth);
  return parseJsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
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

/**
 * Who sent the request, as the batcher's adaptive queue delay tells clients apart: its connection (a client
 * in a loop sends its next request on the same keep-alive connection).
 */
export function clientOf(c: Context<GatewayEnv>): object | undefined {
  return c.env?.incoming?.socket ?? undefined;
}

/** A multipart/form-data body (read under the body limit); INVALID_INPUT when it does not parse. */
export async function readForm(c: Context<GatewayEnv>): Promise<FormData> {
  try {
    return await new Response(new Uint8Array(await readBody(c)), {
      headers: { 'content-type': c.req.header('content-type')! },
    }).formData();
  } catch (e) {
    if (isGatewayError(e)) throw e;
    throw invalidInput(`malformed multipart body: ${(e as Error).message}`);
  }
}
