import type { Tensor } from '../../core/tensor.ts';

/** Buffers that can move to another thread without a copy: whole, unshared ArrayBuffers only. */
export function transferable(tensors: Record<string, Tensor>): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const t of Object.values(tensors)) {
    if (t.datatype === 'BYTES') continue;
    const view = t.data;
    if (view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength)
      seen.add(view.buffer);
  }
  return [...seen];
}
