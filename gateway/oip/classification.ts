import { invalidInput } from '../../core/errors.ts';
import { numbers, utf8, type Tensor } from '../../core/tensor.ts';

/**
 * Triton's classification extension: an output requested with `"parameters": {"classification": k}`
 * comes back as BYTES [batch, k] of "score:index:label" (label omitted when the model has none),
 * highest score first.
 *
 * @example classify(probs /* FP32 [1,5] *\/, 2, labels) // data: ["0.93:2:Neutral", "0.04:0:Drawing"]
 */
export function classify(t: Tensor, k: unknown, labels?: readonly string[]): Tensor {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
    throw invalidInput(`output '${t.name}': classification must be a positive integer`);
  if (t.datatype === 'BYTES' || t.datatype === 'BOOL')
    throw invalidInput(`output '${t.name}' (${t.datatype}) cannot be classified`);
  const classes = t.shape.at(-1) ?? 1;
  const values = numbers(t);
  const rows = t.shape.length > 1 ? values.length / classes : 1;
  const top = Math.min(k, classes);
  const data: Uint8Array[] = [];
  for (let r = 0; r < rows; r++) {
    const idx = Array.from({ length: classes }, (_, i) => i).sort(
      (a, b) => values[r * classes + b]! - values[r * classes + a]!,
    );
    for (const i of idx.slice(0, top)) {
      const label = labels?.[i];
      data.push(utf8(`${values[r * classes + i]}:${i}${label !== undefined ? `:${label}` : ''}`));
    }
  }
  return { name: t.name, datatype: 'BYTES', shape: t.shape.length > 1 ? [rows, top] : [top], data };
}
