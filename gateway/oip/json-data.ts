import { invalidInput } from '../../core/errors.ts';
import {
  allocate,
  fromUtf8,
  utf8,
  type DataType,
  type NumericData,
  type Tensor,
  type TensorData,
} from '../../core/tensor.ts';

const INT_RANGE: Partial<Record<DataType, [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

/** Flattens nested `data` (row-major), checking that nesting, when used, follows `shape`. */
export function flatten(name: string, data: unknown, shape: readonly number[]): unknown[] {
  if (!Array.isArray(data)) throw invalidInput(`input '${name}': data must be an array`);
  if (data.length === 0 || !Array.isArray(data[0])) return data;
  const out: unknown[] = [];
  const walk = (v: unknown, depth: number) => {
    if (!Array.isArray(v)) {
      if (depth !== shape.length)
        throw invalidInput(`input '${name}': nested data does not follow shape [${shape.join(',')}]`);
      out.push(v);
      return;
    }
    if (depth >= shape.length || v.length !== shape[depth]) {
      throw invalidInput(`input '${name}': nested data does not follow shape [${shape.join(',')}]`);
    }
    for (const x of v) walk(x, depth + 1);
  };
  walk(data, 0);
  return out;
}

/** JSON values → a typed buffer of `datatype`, rejecting anything that does not fit. */
export function fromJson(name: string, datatype: DataType, values: readonly unknown[]): TensorData {
  if (datatype === 'FP16') throw invalidInput(`input '${name}': FP16 is supported only in the binary tensor format`);
  if (datatype === 'BYTES') {
    return values.map((v, i) => {
      if (typeof v !== 'string') throw invalidInput(`input '${name}': element ${i} of a BYTES tensor must be a string`);
      return utf8(v);
    });
  }
  const out = allocate(datatype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (datatype === 'BOOL' && typeof v === 'boolean') out[i] = v ? 1 : 0;
    else if (typeof v !== 'number')
      throw invalidInput(
        datatype === 'BOOL'
          ? `input '${name}': element ${i} of a BOOL tensor must be true or false`
          : `input '${name}': element ${i} is not a number (${JSON.stringify(v)?.slice(0, 40)})`,
      );
    else putNumber(out, datatype, name, i, v);
  }
  return out;
}

/**
 * Stores JSON number `v` as element `i` of `out` (a numeric buffer of `datatype`, not FP16): integers are
 * checked for being whole and in range, BOOL takes 0 or 1 only.
 */
export function putNumber(out: NumericData, datatype: DataType, name: string, i: number, v: number): void {
  if (datatype === 'BOOL') {
    if (v !== 0 && v !== 1) throw invalidInput(`input '${name}': element ${i} of a BOOL tensor must be true or false`);
    out[i] = v;
    return;
  }
  const range = INT_RANGE[datatype];
  if (range) {
    if (!Number.isInteger(v))
      throw invalidInput(`input '${name}': element ${i} (${v}) is not an integer for ${datatype}`);
    if (v < range[0] || v > range[1])
      throw invalidInput(`input '${name}': element ${i} (${v}) is out of range for ${datatype}`);
  }
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) out[i] = BigInt(v);
  else out[i] = v;
}

function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** A tensor's data → JSON values (64-bit integers as numbers, BYTES as UTF-8 strings, FP16 decoded). */
export function toJson(t: Tensor): unknown[] {
  switch (t.datatype) {
    case 'BYTES':
      return t.data.map(fromUtf8);
    case 'BOOL':
      return Array.from(t.data, (v) => v !== 0);
    case 'FP16':
      return Array.from(t.data, halfToNumber);
    case 'INT64':
    case 'UINT64':
      return Array.from(t.data, Number);
    case 'FP32':
    case 'FP64':
      return Array.from(t.data, (v) => (Number.isFinite(v) ? v : null));
    default:
      return Array.from(t.data);
  }
}
