/**
 * The few protobuf wire-format writers needed to emit ONNX files: varints, length-delimited fields,
 * fixed32 floats. Messages are built as byte arrays and nested by `message()`.
 */
export type Bytes = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);

export const int = (field: number, value: number | bigint): Bytes =>
  new Uint8Array([...key(field, 0), ...varint(value)]);

export function bytes(field: number, value: Bytes | string): Bytes {
  const b = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  const head = [...key(field, 2), ...varint(b.length)];
  const out = new Uint8Array(head.length + b.length);
  out.set(head);
  out.set(b, head.length);
  return out;
}

export function float(field: number, value: number): Bytes {
  const out = new Uint8Array(5);
  out[0] = key(field, 5)[0]!;
  new DataView(out.buffer).setFloat32(1, value, true);
  return out;
}

export function join(parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A nested message as a length-delimited field. */
export const message = (field: number, parts: readonly Bytes[]): Bytes => bytes(field, join(parts));
