import type { Context } from 'hono';
import type { Tensor } from '../../core/tensor.ts';
import type { InferRequest, RequestedOutput } from './request.ts';
import { classify } from './classification.ts';
import { toJson } from './json-data.ts';
import { tensorBytes, wantsBinary } from './binary.ts';

export interface ResponseOutput {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: Record<string, unknown>;
}

export interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: ResponseOutput[];
}

/**
 * Selects and shapes the outputs a request asked for (all when it named none), applying the
 * classification extension where requested.
 */
export function selectOutputs(outputs: Record<string, Tensor>, requested: readonly RequestedOutput[] | undefined, labels?: readonly string[]): Tensor[] {
  if (!requested) return Object.values(outputs);
  return requested.map((r) => {
    const t = outputs[r.name]!;
    const k = r.parameters?.classification;
    return k === undefined ? t : classify(t, k, labels);
  });
}

/**
 * Encodes an inference response: JSON, or JSON header + binary tail (binary tensor extension) when
 * any output asked for `binary_data` or the request set `binary_data_output`.
 */
export function inferResponse(c: Context, model: { name: string; version: number }, request: InferRequest, tensors: readonly Tensor[]): Response {
  const tails: Uint8Array[] = [];
  const outputs: ResponseOutput[] = tensors.map((t) => {
    const base = { name: t.name, datatype: t.datatype, shape: t.shape };
    if (!wantsBinary(t.name, request.outputs, request.parameters)) return { ...base, data: toJson(t.datatype, t.data) };
    const bytes = tensorBytes(t);
    tails.push(bytes);
    return { ...base, parameters: { binary_data_size: bytes.length } };
  });
  const body: InferResponse = {
    model_name: model.name,
    model_version: String(model.version),
    ...(request.id !== undefined ? { id: request.id } : {}),
    outputs,
  };
  if (tails.length === 0) return c.json(body);
  const header = new TextEncoder().encode(JSON.stringify(body));
  const out = new Uint8Array(header.length + tails.reduce((n, t) => n + t.length, 0));
  out.set(header);
  let o = header.length;
  for (const t of tails) {
    out.set(t, o);
    o += t.length;
  }
  return c.body(out, 200, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) });
}
