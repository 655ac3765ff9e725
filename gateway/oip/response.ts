import type { Tensor } from '../../core/tensor.ts';
import type { RequestedOutput } from './request.ts';
import { classify } from './classification.ts';
import { toJson } from './json-data.ts';

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
  parameters?: Record<string, unknown>;
  outputs: ResponseOutput[];
}

/**
 * Selects and shapes the outputs a request asked for (all when it named none), applying the
 * classification extension where requested. Returns tensors; encoding (JSON or binary) is the caller's.
 */
export function selectOutputs(outputs: Record<string, Tensor>, requested: readonly RequestedOutput[] | undefined, labels?: readonly string[]): Tensor[] {
  if (!requested) return Object.values(outputs);
  return requested.map((r) => {
    const t = outputs[r.name]!;
    const k = r.parameters?.classification;
    return k === undefined ? t : classify(t, k, labels);
  });
}

/** A JSON inference response. */
export function jsonResponse(model: { name: string; version: number }, id: string | undefined, tensors: readonly Tensor[]): InferResponse {
  return {
    model_name: model.name,
    model_version: String(model.version),
    ...(id !== undefined ? { id } : {}),
    outputs: tensors.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: toJson(t.datatype, t.data) })),
  };
}
