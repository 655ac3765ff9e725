import type { Context } from 'hono';
import type { Tensor } from '../../core/tensor.ts';
import type { InferRequest, RequestedOutput } from './request.ts';
import { classify } from './classification.ts';
import { toJson } from './json-data.ts';
import { tensorBytes, wantsBinary } from './binary.ts';

/**
 * Selects and shapes the outputs a request asked for (all when it named none), applying the
 * classification extension where requested.
 */
export function selectOutputs(
  outputs: Record<string, Tensor>,
  requested: readonly RequestedOutput[] | undefined,
  labels?: readonly string[],
): Tensor[] {
  if (!requested) return Object.values(outputs);
  return requested.map((r) => {
    const t = outputs[r.name]!;
    const k = r.parameters?.classification;
    return k === undefined ? t : classify(t, k, labels);
  });
}

/**
 * The outputs of a response, encoded once: the JSON of the `outputs` array and the binary tail
 * (binary tensor extension). Independent of the request id, so the response cache can store it.
 */
interface EncodedOutputs {
  outputsJson: string;
  tail: Uint8Array;
}

export function encodeOutputs(request: InferRequest, tensors: readonly Tensor[]): EncodedOutputs {
  const tails: Uint8Array[] = [];
  const outputs = tensors.map((t) => {
    const base = { name: t.name, datatype: t.datatype, shape: t.shape };
    if (!wantsBinary(t.name, request.outputs, request.parameters)) return { ...base, data: toJson(t) };
    const bytes = tensorBytes(t);
    tails.push(bytes);
    return { ...base, parameters: { binary_data_size: bytes.length } };
  });
  return { outputsJson: JSON.stringify(outputs), tail: Buffer.concat(tails) };
}

/** EncodedOutputs as one byte string (for the cache) and back. */
export function packOutputs(e: EncodedOutputs): Uint8Array {
  const json = Buffer.from(e.outputsJson);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(json.length);
  return Buffer.concat([head, json, e.tail]);
}

export function unpackOutputs(b: Uint8Array): EncodedOutputs {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const n = buf.readUInt32LE(0);
  return { outputsJson: buf.toString('utf8', 4, 4 + n), tail: buf.subarray(4 + n) };
}

/** A rendered response: its body and, for the binary extension, the JSON header's length. */
export interface Rendered {
  body: Buffer;
  headerLength?: number;
}

/** The response body: JSON, or JSON header + binary tail (binary tensor extension). */
export function renderInferResponse(
  model: { name: string; version: number },
  id: string | undefined,
  e: EncodedOutputs,
): Rendered {
  const json = Buffer.from(
    `{"model_name":${JSON.stringify(model.name)},"model_version":"${model.version}",${id !== undefined ? `"id":${JSON.stringify(id)},` : ''}"outputs":${e.outputsJson}}`,
  );
  if (e.tail.length === 0) return { body: json };
  return { body: Buffer.concat([json, e.tail]), headerLength: json.length };
}

export function sendRendered(c: Context, r: Rendered): Response {
  const body = r.body as unknown as Uint8Array<ArrayBuffer>;
  if (r.headerLength === undefined) return c.body(body, 200, { 'content-type': 'application/json' });
  return c.body(body, 200, {
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(r.headerLength),
  });
}

/** A rendered response as bytes for the exact-request cache, and back: [u32 header length + 1 | 0][body]. */
export function packRendered(r: Rendered): Uint8Array {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(r.headerLength === undefined ? 0 : r.headerLength + 1);
  return Buffer.concat([head, r.body]);
}

export function unpackRendered(b: Uint8Array): Rendered {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const h = buf.readUInt32LE(0);
  return { body: buf.subarray(4), ...(h ? { headerLength: h - 1 } : {}) };
}
