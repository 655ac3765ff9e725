import { GatewayError } from '../../core/errors.ts';
import { concat, elementCount, padTo, type Tensor, type TensorData } from '../../core/tensor.ts';

/**
 * Rows [start, end) of every feed, copied: a view would carry the whole request's buffer to the worker
 * thread with each chunk (structured clone copies a view's entire ArrayBuffer).
 */
export function copyRows(feeds: Record<string, Tensor>, start: number, end: number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    const rowSize = elementCount(t.shape.slice(1));
    const data = t.datatype === 'BYTES'
      ? (t.data as Uint8Array[]).slice(start * rowSize, end * rowSize)
      : (t.data as Exclude<TensorData, Uint8Array[]>).slice(start * rowSize, end * rowSize);
    out[name] = { name: t.name, datatype: t.datatype, shape: [end - start, ...t.shape.slice(1)], data } as Tensor;
  }
  return out;
}

/**
 * The outputs of consecutive chunks of one request joined along the batch dimension. Chunks padded to
 * different sizes on other axes (ragged batching, a variable frame count) are padded to the largest
 * with zeros first; BYTES outputs of different shapes cannot be joined.
 */
export function joinChunks(parts: readonly Record<string, Tensor>[]): Record<string, Tensor> {
  if (parts.length === 1) return parts[0]!;
  const out: Record<string, Tensor> = {};
  for (const name of Object.keys(parts[0]!)) {
    const tensors = parts.map((p) => p[name]);
    if (tensors.some((t) => t === undefined)) throw new GatewayError('INFERENCE_FAILED', `output '${name}' is missing from part of the request`);
    const ts = tensors as Tensor[];
    const rank = ts[0]!.shape.length;
    if (rank === 0 || ts.some((t) => t.shape.length !== rank || t.datatype !== ts[0]!.datatype)) {
      throw new GatewayError('INFERENCE_FAILED', `output '${name}' has no common batch dimension across the chunks of a request`);
    }
    const target = ts[0]!.shape.map((_, i) => (i === 0 ? -1 : Math.max(...ts.map((t) => t.shape[i]!))));
    const ragged = ts.some((t) => t.shape.some((d, i) => i > 0 && d !== target[i]));
    if (ragged && ts[0]!.datatype === 'BYTES') throw new GatewayError('INFERENCE_FAILED', `BYTES output '${name}' differs in shape across the chunks of a request`);
    out[name] = concat(ragged ? ts.map((t) => padTo(t, t.shape.map((d, i) => (i === 0 ? d : target[i]!)), 0)) : ts);
  }
  return out;
}
