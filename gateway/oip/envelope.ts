import { parseJsonBytes } from '../http/body.ts';
import type { EdgeLimits } from '../http/limits.ts';
import type { TensorInfo } from '../../core/tensor.ts';
import { binaryDecoder, splitBody } from './binary.ts';
import { parseEnvelope, validateRequest, type InferRequest, type RawInferRequest } from './request.ts';

/** A v2 request body parsed: its JSON envelope and, with the binary tensor extension, the bytes after it. */
export interface Envelope {
  raw: RawInferRequest;
  tail?: Uint8Array | undefined;
}

/**
 * Parses a v2 body: the JSON part (all of it, or the first `headerLength` bytes with the binary extension)
 * after the MAX_JSON_DEPTH scan, into the envelope; the rest is the binary tail.
 */
export function parseBody(body: Uint8Array, headerLength: number | undefined, maxJsonDepth: number): Envelope {
  if (headerLength === undefined) return { raw: parseEnvelope(parseJsonBytes(body, maxJsonDepth)) };
  const { json, tail } = splitBody(body, headerLength);
  return { raw: parseEnvelope(parseJsonBytes(json, maxJsonDepth)), tail };
}

/** A parsed body checked against a model's inputs and outputs, binary tensors taken from the tail. */
export function requestOf(
  e: Envelope,
  inputs: readonly TensorInfo[],
  outputs: readonly TensorInfo[],
  limits: EdgeLimits,
): InferRequest {
  return validateRequest(e.raw, inputs, outputs, e.tail ? binaryDecoder(e.raw, e.tail) : undefined, limits);
}
