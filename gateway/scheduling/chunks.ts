import { GatewayError } from '../../core/errors.ts';
import { concat, elementCount, padTo, tensor, type Tensor } from '../../core/tensor.ts';

/**
 * Rows [start, end) of every feed, copied: a view would carry the whole request's buffer to the worker
 * thread with each chunk (structured clone copies a view's entire ArrayBuffer).
 */
export function copyRows(feeds: Record<string, Tensor>, start: number, end: number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    const rowSize = elementCount(t.shape.slice(1));
    const shape = [end - start, ...t.shape.slice(1)];
    out[name] =
      t.datatype === 'BYTES'
        ? tensor(t.name, 'BYTES', shape, t.data.slice(start * rowSize, end * rowSize))
        : tensor(t.name, t.datatype, shape, t.data.slice(start * rowSize, end * rowSize));
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
    const ts = parts.map((p) => p[name]).filter((t) => t !== undefined);
    if (ts.length < parts.length)
      throw new GatewayError('INFERENCE_FAILED', `output '${name}' is missing from part of the request`);
    const rank = ts[0]!.shape.length;
    if (rank === 0 || ts.some((t) => t.shape.length !== rank || t.datatype !== ts[0]!.datatype)) {
      throw new GatewayError(
        'INFERENCE_FAILED',
        `output '${name}' has no common batch dimension across the chunks of a request`,
      );
    }
    const target = ts[0]!.shape.map((_, i) => (i === 0 ? -1 : Math.max(...ts.map((t) => t.shape[i]!))));
    const ragged = ts.some((t) => t.shape.some((d, i) => i > 0 && d !== target[i]));
    if (ragged && ts[0]!.datatype === 'BYTES')
      throw new GatewayError(
        'INFERENCE_FAILED',
        `BYTES output '${name}' differs in shape across the chunks of a request`,
      );
    out[name] = concat(
      ragged
        ? ts.map((t) =>
            padTo(
              t,
              t.shape.map((d, i) => (i === 0 ? d : target[i]!)),
              0,
            ),
          )
        : ts,
    );
  }
  return out;
}
