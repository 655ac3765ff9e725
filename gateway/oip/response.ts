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
 * The outputs of a response, encoded once: the JSON of the `outputs` array and the binary tail's pieces
 * (binary tensor extension), in order. Independent of the request id, so the response cache can store it.
 */
interface EncodedOutputs {
  json: Uint8Array;
  tail: Uint8Array[];
}

export function encodeOutputs(request: InferRequest, tensors: readonly Tensor[]): EncodedOutputs {
  const tail: Uint8Array[] = [];
  const outputs = tensors.map((t) => {
    const base = { name: t.name, datatype: t.datatype, shape: t.shape };
    if (!wantsBinary(t.name, request.outputs, request.parameters)) return { ...base, data: toJson(t) };
    const bytes = tensorBytes(t);
    tail.push(bytes);
    return { ...base, parameters: { binary_data_size: bytes.length } };
  });
  return { json: Buffer.from(JSON.stringify(outputs)), tail };
}

/** EncodedOutputs as one byte string for the response cache ([u32 JSON length][JSON][tail]), and back. */
export const outputsCodec = {
  pack(e: EncodedOutputs): Uint8Array {
    const head = Buffer.alloc(4);
    head.writeUInt32LE(e.json.length);
    return Buffer.concat([head, e.json, ...e.tail]);
  },
  unpack(b: Uint8Array): EncodedOutputs {
    const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    const n = buf.readUInt32LE(0);
    return { json: buf.subarray(4, 4 + n), tail: buf.length > 4 + n ? [buf.subarray(4 + n)] : [] };
  },
};

/** A rendered response: its body and, for the binary extension, the JSON header's length. */
export interface Rendered {
  body: Buffer;
  headerLength?: number;
}

const CLOSE = Buffer.from('}');

/**
 * The response body: JSON, or JSON header + binary tail (binary tensor extension). Its pieces are copied
 * once, into the body.
 */
export function renderInferResponse(
  model: { name: string; version: number },
  id: string | undefined,
  e: EncodedOutputs,
): Rendered {
  const open = Buffer.from(
    `{"model_name":${JSON.stringify(model.name)},"model_version":"${model.version}",` +
      `${id !== undefined ? `"id":${JSON.stringify(id)},` : ''}"outputs":`,
  );
  const body = Buffer.concat([open, e.json, CLOSE, ...e.tail]);
  if (e.tail.length === 0) return { body };
  return { body, headerLength: open.length + e.json.length + 1 };
}

export function sendRendered(c: Context, r: Rendered): Response {
  const body = r.body as unknown as Uint8Array<ArrayBuffer>;
  if (r.headerLength === undefined) return c.body(body, 200, { 'content-type': 'application/json' });
  return c.body(body, 200, {
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(r.headerLength),
  });
}
