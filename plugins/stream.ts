import type { Tensor } from '../core/tensor.ts';
import type { PluginContext } from './plugin.ts';

/** A stretch of a recording, in seconds from its start (a VAD's speech segment). */
export interface TimeSegment {
  start_s: number;
  end_s: number;
}

/**
 * A plugin that takes a request body as a stream (an hour-long recording): the gateway reads the body a
 * part at a time and writes it to a session, which cuts it into chunks for the plugin's worker step.
 * Each chunk's answer carries what the next chunk needs (a recurrent model's state, a resampler's
 * tail…), so memory stays flat whatever the body's length and the chunks' answers fold into the
 * prediction the whole body would get. The step tells a chunk from a whole batch by its feeds.
 *
 * @example
 * stream: { contentTypes: ['audio/wav'], open: (ctx, parameters) => new MySession(ctx, parameters) }
 */
export interface StreamCapability<P = Record<string, unknown>> {
  /** The media types (lower case, no parameters) of the bodies it takes, e.g. `audio/wav`. */
  contentTypes: readonly string[];
  /** A session for one request; `parameters` are the request's (from its query string). */
  open(ctx: PluginContext<P>, parameters: Record<string, unknown>): StreamSession;
}

/**
 * One streamed body's way through a plugin, driven by the gateway: `write` the body's parts as they
 * arrive and `end` it; whenever `ready`, run the worker step on `next()` and hand its answer to `took`
 * before the following `next()` (each chunk starts from the previous chunk's answer). Bad input throws
 * a GatewayError (INVALID_AUDIO, PAYLOAD_TOO_LARGE…) from `write` or `end`.
 */
export interface StreamSession {
  /** The body's next bytes; the session copies what it keeps. */
  write(bytes: Uint8Array): void;
  /** The body is over (a body that ends early, such as a truncated file, throws here). */
  end(): void;
  /** Whether the body's header has been read and accepted: until then no chunk has been cut. */
  readonly started: boolean;
  /** Whether a chunk is complete and waits for `next()`. */
  ready(): boolean;
  /** The next complete chunk as the worker step's feeds (after `end`, the last one, even if empty). */
  next(): Record<string, Tensor>;
  /** A chunk's step answer; returns what to tell the client now (segments found…), as JSON values. */
  took(outputs: Record<string, Tensor>): unknown[];
  /** Whether the last chunk's answer has come back. */
  readonly done: boolean;
  /** Once done: the prediction, as `postprocess` gives it for the whole body in one request. */
  result(): unknown;
  /** Once done: class scores (labels and one row), for voting ensembles. */
  scores(): { labels: readonly string[]; scores: number[] };
  /** Once done: the time segments found, for ensembles that merge them. */
  segments?(): TimeSegment[];
}
