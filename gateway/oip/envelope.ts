import { parseJsonText } from '../http/body.ts';
import type { EdgeLimits } from '../http/limits.ts';
import type { TensorData, TensorInfo } from '../../core/tensor.ts';
import { invalidInput } from '../../core/errors.ts';
import { binaryDecoder, splitBody } from './binary.ts';
import { liftedArray, liftInputData, type LiftedJson } from './json-lift.ts';
import { decodeNumbers } from './json-numbers.ts';
import { parseEnvelope, validateRequest, type InferRequest, type RawInferRequest } from './request.ts';

/** A v2 request body parsed: its JSON envelope and, with the binary tensor extension, the bytes after it. */
export interface Envelope {
  raw: RawInferRequest;
  tail?: Uint8Array | undefined;
  /** The inputs' flat number arrays, lifted out of the JSON before parsing (see json-lift.ts). */
  lifted?: LiftedJson | undefined;
}

/**
 * Parses a v2 body: the JSON part (all of it, or the first `headerLength` bytes with the binary extension),
 * its depth checked (MAX_JSON_DEPTH) and its inputs' number arrays lifted out in one scan, into the envelope;
 * the rest is the binary tail.
 */
export function parseBody(body: Uint8Array, headerLength: number | undefined, maxJsonDepth: number): Envelope {
  const { json, tail } = headerLength === undefined ? { json: body, tail: undefined } : splitBody(body, headerLength);
  const lifted = liftInputData(json, maxJsonDepth);
  const raw = parseEnvelope(parseJsonText(lifted.text));
  return lifted.arrays.length ? { raw, tail, lifted } : { raw, tail };
}

/** A parsed body checked against a model's inputs and outputs, binary tensors taken from the tail. */
export function requestOf(
  e: Envelope,
  inputs: readonly TensorInfo[],
  outputs: readonly TensorInfo[],
  limits: EdgeLimits,
): InferRequest {
  const binary = e.tail ? binaryDecoder(e.raw, e.tail) : undefined;
  const lifted = e.lifted;
  const decode = !lifted
    ? binary
    : (input: RawInferRequest['inputs'][number], count: number): TensorData | undefined =>
        binary?.(input) ?? numbersOf(lifted, input, count);
  return validateRequest(e.raw, inputs, outputs, decode, limits);
}

/** A lifted `data` array decoded into the input's datatype, once its length is checked against the shape. */
function numbersOf(lifted: LiftedJson, input: RawInferRequest['inputs'][number], count: number) {
  const a = liftedArray(lifted, input.data);
  if (!a) return undefined;
  if (a.count !== count)
    throw invalidInput(
      `input '${input.name}': shape [${input.shape.join(',')}] needs ${count} elements, data has ${a.count}`,
    );
  return decodeNumbers(a, input.datatype, input.name);
}
