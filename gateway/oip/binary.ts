import { invalidInput } from '../../core/errors.ts';
import { elementSize, fromBytes, toBytes, type Tensor, type TensorData } from '../../core/tensor.ts';
import type { RawInferRequest, RequestedOutput } from './request.ts';

/** Header naming the length of the JSON part of a binary-extension body. */
export const HEADER_LENGTH = 'inference-header-content-length';

/**
 * The Inference-Header-Content-Length header checked before the body is read: absent (undefined), or
 * a non-negative integer in plain decimal digits no larger than the body limit. Anything else
 * (`0.5`, `-1`, `1e3`, `Infinity`, `abc`, a 400-digit number) is 400 INVALID_INPUT.
 */
export function parseHeaderLength(value: string | undefined, bodyLimit: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n))
    throw invalidInput(
      `Inference-Header-Content-Length must be a non-negative integer (got ${JSON.stringify(value.slice(0, 40))})`,
    );
  if (n > bodyLimit)
    throw invalidInput(`Inference-Header-Content-Length ${n} is larger than the body limit of ${bodyLimit} bytes`);
  return n;
}

/** Splits a binary-extension body into its JSON header text and the binary tail. */
export function splitBody(body: Uint8Array, headerLength: number): { json: Uint8Array; tail: Uint8Array } {
  if (!Number.isSafeInteger(headerLength) || headerLength < 0 || headerLength > body.length) {
    throw invalidInput(`Inference-Header-Content-Length ${headerLength} does not fit a ${body.length}-byte body`);
  }
  return { json: body.subarray(0, headerLength), tail: body.subarray(headerLength) };
}

/** BYTES elements in the binary format: each a 4-byte little-endian length, then the bytes. */
function decodeBytesElements(name: string, b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let o = 0; o < b.length; ) {
    if (o + 4 > b.length) throw invalidInput(`input '${name}': truncated BYTES element length`);
    const len = view.getUint32(o, true);
    o += 4;
    if (o + len > b.length) throw invalidInput(`input '${name}': BYTES element overruns its binary data`);
    out.push(b.subarray(o, o + len));
    o += len;
  }
  return out;
}

function encodeBytesElements(elements: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(elements.reduce((n, e) => n + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let o = 0;
  for (const e of elements) {
    view.setUint32(o, e.length, true);
    out.set(e, o + 4);
    o += 4 + e.length;
  }
  return out;
}

/**
 * Returns a decoder for `validateRequest`: inputs carrying `binary_data_size` take their data from
 * the tail, in input order; the sizes must add up to the tail exactly.
 */
export function binaryDecoder(raw: RawInferRequest, tail: Uint8Array) {
  const slices = new Map<string, Uint8Array>();
  let offset = 0;
  for (const input of raw.inputs) {
    const size = input.parameters?.binary_data_size;
    if (size === undefined) continue;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
      throw invalidInput(`input '${input.name}': binary_data_size must be a non-negative integer`);
    if (offset + size > tail.length)
      throw invalidInput(
        `input '${input.name}': binary_data_size ${size} overruns the ${tail.length}-byte binary data`,
      );
    slices.set(input.name, tail.subarray(offset, offset + size));
    offset += size;
  }
  if (offset !== tail.length)
    throw invalidInput(`binary data is ${tail.length} bytes but the inputs' binary_data_size add up to ${offset}`);
  return (input: RawInferRequest['inputs'][number]): TensorData | undefined => {
    const b = slices.get(input.name);
    if (!b) return undefined;
    if (input.data !== undefined) throw invalidInput(`input '${input.name}' has both data and binary_data_size`);
    if (input.datatype === 'BYTES') return decodeBytesElements(input.name, b);
    const size = elementSize(input.datatype);
    if (b.length % size !== 0)
      throw invalidInput(
        `input '${input.name}': ${b.length} bytes is not a whole number of ${input.datatype} elements`,
      );
    return fromBytes(input.datatype, b);
  };
}

/** Whether an output goes back as binary: its own `binary_data`, else the request's `binary_data_output`. */
export function wantsBinary(
  name: string,
  requested: readonly RequestedOutput[] | undefined,
  parameters: Record<string, unknown>,
): boolean {
  const own = requested?.find((r) => r.name === name)?.parameters?.binary_data;
  return typeof own === 'boolean' ? own : parameters.binary_data_output === true;
}

/** Raw bytes of a tensor in the binary format. */
export function tensorBytes(t: Tensor): Uint8Array {
  return t.datatype === 'BYTES' ? encodeBytesElements(t.data) : toBytes(t.data);
}
