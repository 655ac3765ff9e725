import { invalidInput } from './errors.ts';

/**
 * Tensors as the gateway passes them between layers: Open Inference Protocol datatypes,
 * row-major flat data whose buffer type is fixed by the datatype (as in onnxruntime's DataTypeMap).
 */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

export type DataType = (typeof DATATYPES)[number];

export interface DataTypeMap {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  UINT16: Uint16Array;
  UINT32: Uint32Array;
  UINT64: BigUint64Array;
  INT8: Int8Array;
  INT16: Int16Array;
  INT32: Int32Array;
  INT64: BigInt64Array;
  /** IEEE half floats as raw 16-bit words. */
  FP16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
  /** One byte string per element. */
  BYTES: Uint8Array[];
}

export type TensorData = DataTypeMap[DataType];

/** Every datatype but BYTES: fixed-size elements in a typed array. */
type NumericDataType = Exclude<DataType, 'BYTES'>;
/** The typed arrays of the numeric datatypes. */
export type NumericData = DataTypeMap[NumericDataType];

interface TensorOf<D extends DataType> {
  name: string;
  datatype: D;
  shape: number[];
  data: DataTypeMap[D];
}

/**
 * A tensor: a discriminated union on `datatype`, so checking the datatype fixes the buffer type.
 * `Tensor<'FP32'>` is one member; `Tensor` is any.
 *
 * @example
 * if (t.datatype === 'BYTES') t.data.map(fromUtf8); // Uint8Array[]
 * else if (t.datatype === 'FP32') t.data.subarray(0, 4); // Float32Array
 */
export type Tensor<D extends DataType = DataType> = D extends DataType ? TensorOf<D> : never;

/** Name, datatype and shape of a model input or output; -1 marks a dynamic dimension. */
export interface TensorInfo {
  name: string;
  datatype: DataType;
  shape: number[];
}

/** What every typed-array constructor of a numeric datatype offers. */
interface NumericCtor {
  new (length: number): NumericData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericData;
  readonly BYTES_PER_ELEMENT: number;
}

const CTORS: Record<NumericDataType, NumericCtor> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/** Bytes per element of a fixed-size datatype. */
export function elementSize(datatype: NumericDataType): number {
  return CTORS[datatype].BYTES_PER_ELEMENT;
}

/** Number of elements a shape holds. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape for messages: at most 8 dimensions shown. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.slice(0, 8).join(',')}${shape.length > 8 ? `,… ${shape.length} dimensions` : ''}]`;
}

/**
 * The element count of a shape sent by a client, checked before anything is sized by it: every
 * dimension a non-negative safe integer, and the shape's extent — the product of its dimensions with
 * zeros counted as 1 — at most `maxElements`. So `[0, 4294967296]` (no elements, a huge extent) is
 * refused like `[65536, 65536]`, and no product ever leaves the safe-integer range (each step is
 * checked against `maxElements` ≤ 2^53 before the next). Throws INVALID_INPUT naming the limit.
 *
 * @example checkedElementCount([2, 3], 1_000) // 6
 */
export function checkedElementCount(shape: readonly number[], maxElements: number): number {
  let extent = 1;
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw invalidInput(`shape ${shapeText(shape)}: dimensions must be non-negative integers`);
    if (d > 0) extent *= d;
    if (extent > maxElements) {
      throw invalidInput(
        `shape ${shapeText(shape)} spans more than ${maxElements} elements, the limit per tensor (MAX_TENSOR_ELEMENTS)`,
      );
    }
    count *= d;
  }
  return count;
}

/** A zeroed buffer of `length` elements of `datatype`. */
export function allocate<D extends DataType>(datatype: D, length: number): DataTypeMap[D] {
  const data =
    datatype === 'BYTES'
      ? Array.from({ length }, () => new Uint8Array(0))
      : new CTORS[datatype as NumericDataType](length);
  return data as DataTypeMap[D]; // TypeScript does not narrow a generic D by the check above
}

/** A typed view over raw little-endian bytes (copied when misaligned). */
export function fromBytes<D extends NumericDataType>(datatype: D, bytes: Uint8Array): DataTypeMap[D];
export function fromBytes(datatype: NumericDataType, bytes: Uint8Array): NumericData {
  const size = elementSize(datatype);
  // Typed views need aligned offsets; copy when the bytes sit at an odd place (Node Buffers often do).
  const aligned = bytes.byteOffset % size === 0 ? bytes : Uint8Array.prototype.slice.call(bytes);
  return new CTORS[datatype](aligned.buffer, aligned.byteOffset, aligned.byteLength / size);
}

/** The raw bytes behind a fixed-size tensor's data (no copy). */
export function toBytes(data: NumericData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A tensor from a datatype and data carried apart (they must agree: the one place that trusts it).
 *
 * @example tensor('y', t.datatype, [2, 3], data)
 */
export function tensor<D extends DataType>(
  name: string,
  datatype: D,
  shape: number[],
  data: DataTypeMap[D],
): Tensor<D> {
  return { name, datatype, shape, data } as TensorOf<D> as Tensor<D>;
}

/** The elements of a BYTES tensor; throws for any other datatype. */
export function bytesOf(t: Tensor): Uint8Array[] {
  if (t.datatype !== 'BYTES') throw new Error(`tensor '${t.name}' holds ${t.datatype}, not BYTES`);
  return t.data;
}

/**
 * The elements of a numeric tensor as JavaScript numbers (64-bit integers by value). Throws for BYTES.
 *
 * @example numbers(t) // [0.1, 0.7, 0.2]
 */
export function numbers(t: Tensor): number[] {
  if (t.datatype === 'BYTES') throw new Error(`tensor '${t.name}' holds BYTES, not numbers`);
  const data: ArrayLike<number | bigint> = t.data;
  return Array.from(data, Number);
}

/**
 * The elements of a numeric tensor as float32: its own data when it is FP32, converted otherwise
 * (64-bit integers by value). Throws for BYTES.
 *
 * @example const scores = floats(outputs.probabilities!);
 */
export function floats(t: Tensor): Float32Array {
  if (t.datatype === 'FP32') return t.data;
  if (t.datatype === 'BYTES') throw new Error(`tensor '${t.name}' holds BYTES, not numbers`);
  if (t.datatype === 'INT64' || t.datatype === 'UINT64') return Float32Array.from(t.data, Number);
  return Float32Array.from(t.data);
}

/** Whether `actual` fits `declared`, where -1 in `declared` matches any size. */
export function shapeMatches(declared: readonly number[], actual: readonly number[]): boolean {
  return declared.length === actual.length && declared.every((d, i) => d < 0 || d === actual[i]);
}

/**
 * Concatenate tensors of one name and datatype along dimension 0.
 * @example concat([a /* [2,3] *\/, b /* [1,3] *\/]) // shape [3,3]
 */
export function concat(parts: readonly Tensor[]): Tensor {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  const other = parts.find((t) => t.datatype !== first.datatype);
  if (other) throw new Error(`tensor '${first.name}': cannot concatenate ${first.datatype} with ${other.datatype}`);
  const rows = parts.reduce((n, t) => n + (t.shape[0] ?? 1), 0);
  const shape = [rows, ...first.shape.slice(1)];
  if (first.datatype === 'BYTES')
    return tensor(
      first.name,
      'BYTES',
      shape,
      parts.flatMap((t) => (t.datatype === 'BYTES' ? t.data : [])),
    );
  const out = allocate(first.datatype, elementCount(shape));
  const bytes = toBytes(out);
  let at = 0;
  for (const t of parts) {
    if (t.datatype === 'BYTES') continue;
    bytes.set(toBytes(t.data), at);
    at += t.data.byteLength;
  }
  return tensor(first.name, first.datatype, shape, out);
}

/**
 * A numeric tensor grown to `shape` (same rank, no dimension smaller), its values at the start of every
 * axis and `value` in the new cells; the tensor itself when it already has that shape.
 */
export function padTo(t: Tensor, shape: readonly number[], value: number): Tensor {
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  if (t.datatype === 'BYTES') throw new Error(`BYTES tensor '${t.name}' cannot be padded`);
  const out = allocate(t.datatype, elementCount(shape));
  if (value !== 0) {
    if (out instanceof BigInt64Array || out instanceof BigUint64Array) out.fill(BigInt(value));
    else out.fill(value);
  }
  const [src, dst, size] = [toBytes(t.data), toBytes(out), elementSize(t.datatype)];
  const rank = shape.length;
  const inner = t.shape[rank - 1] ?? 1;
  const outer = t.data.length / Math.max(inner, 1);
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  // Copy each innermost run of the source to where it sits in the larger shape.
  for (let o = 0; o < outer; o++) {
    let at = 0;
    for (let i = 0; i < rank - 1; i++) at = at * shape[i]! + index[i]!;
    dst.set(src.subarray(o * inner * size, (o + 1) * inner * size), at * (shape[rank - 1] ?? 1) * size);
    for (let i = rank - 2; i >= 0; i--) {
      if (++index[i]! < t.shape[i]!) break;
      index[i] = 0;
    }
  }
  return tensor(t.name, t.datatype, [...shape], out);
}

/** Rows [start, end) of a tensor along dimension 0 (a view for numeric data). */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const rowSize = elementCount(t.shape.slice(1));
  const shape = [end - start, ...t.shape.slice(1)];
  if (t.datatype === 'BYTES') return tensor(t.name, 'BYTES', shape, t.data.slice(start * rowSize, end * rowSize));
  return tensor(t.name, t.datatype, shape, t.data.subarray(start * rowSize, end * rowSize));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string, for BYTES tensors. */
export const utf8 = (s: string): Uint8Array => encoder.encode(s);
/** A BYTES element read as UTF-8. */
export const fromUtf8 = (b: Uint8Array): string => decoder.decode(b);
