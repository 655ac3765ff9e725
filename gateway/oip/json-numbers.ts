import { invalidInput } from '../../core/errors.ts';
import { allocate, type DataType, type TensorData } from '../../core/tensor.ts';
import { putNumber } from './json-data.ts';
import { CLOSE_ARRAY, COMMA, DOT, isSpace, LOWER_E, MINUS, NINE, PLUS, UPPER_E, ZERO } from '../http/json-bytes.ts';

/**
 * A flat JSON array of numbers inside a body, read once: where it lies (`[` to just past `]`), how many it holds
 * and their values. `values[k]` is the number's double exactly (as JSON.parse gives it) where `exact[k]` is 1;
 * otherwise (more than 15 significant digits) an approximation whose FP32 rounding is certain, and the exact
 * double is read again from the text at `offsets[k]` when a wider datatype needs it.
 */
export interface NumberArray {
  bytes: Uint8Array;
  start: number;
  end: number;
  count: number;
  values: Float64Array;
  exact: Uint8Array;
  offsets: Uint32Array;
}

const isDigit = (b: number) => b >= ZERO && b <= NINE;

/** 10^0 … 10^22: every one exact in a double. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Relative margin around an approximate value (≤ 3 ulp off) inside which it rounds to one FP32 for sure. */
const MARGIN = 2 ** -48;

/** Growable columns of the numbers read so far, sized at first for `capacity`. */
class Columns {
  values: Float64Array;
  exact: Uint8Array;
  offsets: Uint32Array;
  count = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.exact = new Uint8Array(capacity);
    this.offsets = new Uint32Array(capacity);
  }
  push(value: number, exact: number, offset: number): void {
    if (this.count === this.values.length) {
      const grow = <T extends Float64Array | Uint8Array | Uint32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.values = grow(this.values);
      this.exact = grow(this.exact);
      this.offsets = grow(this.offsets);
    }
    this.values[this.count] = value;
    this.exact[this.count] = exact;
    this.offsets[this.count++] = offset;
  }
}

/**
 * Reads one JSON number (RFC 8259 grammar) at `i` into `out`; the index just past it, or -1 when the bytes there
 * are not one. With at most 15 significant digits and a decimal exponent within ±22 the double is exact: one
 * correctly rounded multiply or divide by an exact power of ten (Clinger's fast path). Up to 19 digits the
 * approximation (≤ 3 ulp off) is kept when everything within 2^-48 of it rounds to the same FP32; anything else
 * is converted by V8's own string-to-number (as JSON.parse would).
 */
function readNumber(b: Uint8Array, i: number, out: Columns): number {
  const from = i;
  const negative = b[i] === MINUS;
  if (negative) i++;
  let m = 0;
  let digits = 0;
  let scale = 0;
  let c = b[i]!;
  if (c === ZERO) c = b[++i]!;
  else if (isDigit(c)) {
    while (isDigit(c)) {
      digits++;
      m = m * 10 + (c - ZERO);
      c = b[++i]!;
    }
  } else return -1;
  if (c === DOT) {
    c = b[++i]!;
    if (!isDigit(c)) return -1;
    while (isDigit(c)) {
      if (m > 0 || c !== ZERO) digits++;
      m = m * 10 + (c - ZERO);
      scale--;
      c = b[++i]!;
    }
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = b[++i]!;
    const sign = c === MINUS ? -1 : 1;
    if (c === MINUS || c === PLUS) c = b[++i]!;
    if (!isDigit(c)) return -1;
    let e = 0;
    while (isDigit(c)) {
      if (e < 100_000) e = e * 10 + (c - ZERO);
      c = b[++i]!;
    }
    scale += sign * e;
  }
  let v = Number.NaN;
  let exact = 1;
  if (m === 0) v = 0;
  else if (scale >= -22 && scale <= 22 && digits <= 19) {
    v = scale < 0 ? m / POW10[-scale]! : m * POW10[scale]!;
    if (digits > 15) {
      exact = 0;
      const f = Math.fround(v);
      if (Math.fround(v * (1 - MARGIN)) !== f || Math.fround(v * (1 + MARGIN)) !== f) v = Number.NaN;
    }
  }
  if (Number.isNaN(v)) {
    v = Math.abs(Number(latin1(b, from, i)));
    exact = 1;
  }
  out.push(negative ? -v : v, exact, from);
  return i;
}

/**
 * The flat array of JSON numbers opening at `bytes[start]` (a `[`), read: where it ends, how many numbers it
 * holds and their values; undefined when it holds anything else (nested arrays, strings, literals, malformed
 * numbers), which is then left to JSON.parse.
 *
 * @example scanNumberArray(Buffer.from('[1, -2.5e3]'), 0) // { start: 0, end: 11, count: 2, values: [1, -2500] … }
 */
export function scanNumberArray(bytes: Uint8Array, start: number): NumberArray | undefined {
  // A number and its separator take at least 2 bytes, typically 6–20: room for the rest of the body at 8 each
  // (grown when it holds more), rather than one doubling after another.
  const cols = new Columns(Math.max(16, (bytes.length - start) >> 3));
  const done = (end: number): NumberArray => ({
    bytes,
    start,
    end,
    count: cols.count,
    values: cols.values.subarray(0, cols.count),
    exact: cols.exact.subarray(0, cols.count),
    offsets: cols.offsets.subarray(0, cols.count),
  });
  let i = start + 1;
  while (isSpace(bytes[i]!)) i++;
  if (bytes[i] === CLOSE_ARRAY) return done(i + 1);
  for (;;) {
    i = readNumber(bytes, i, cols);
    if (i < 0) return undefined;
    while (isSpace(bytes[i]!)) i++;
    if (bytes[i] === CLOSE_ARRAY) return done(i + 1);
    if (bytes[i] !== COMMA) return undefined;
    i++;
    while (isSpace(bytes[i]!)) i++;
  }
}

/**
 * The numbers of `a` in a buffer of `datatype`: the same values JSON.parse then a typed-array store give,
 * without an array of JS numbers in between. FP32 takes the values read as they are (their FP32 rounding is
 * certain); a wider type reads a number of more than 15 significant digits again from the text for its exact
 * double. Integer datatypes are checked as JSON data is (whole, in range).
 */
export function decodeNumbers(a: NumberArray, datatype: DataType, name: string): TensorData {
  if (datatype === 'FP16') throw invalidInput(`input '${name}': FP16 is supported only in the binary tensor format`);
  if (datatype === 'BYTES') {
    if (a.count > 0) throw invalidInput(`input '${name}': element 0 of a BYTES tensor must be a string`);
    return [];
  }
  if (datatype === 'FP32') return Float32Array.from(a.values);
  const out = allocate(datatype, a.count);
  for (let k = 0; k < a.count; k++) {
    let v = a.values[k]!;
    if (!a.exact[k]) {
      const from = a.offsets[k]!;
      v = Number(latin1(a.bytes, from, numberEnd(a.bytes, from)));
    }
    putNumber(out, datatype, name, k, v);
  }
  return out;
}

/** Index just past the JSON number starting at `i` (known to be one). */
function numberEnd(b: Uint8Array, i: number): number {
  while (
    i < b.length &&
    (isDigit(b[i]!) || b[i] === MINUS || b[i] === PLUS || b[i] === DOT || b[i] === LOWER_E || b[i] === UPPER_E)
  )
    i++;
  return i;
}

/** The ASCII text of `b[from, to)`. */
function latin1(b: Uint8Array, from: number, to: number): string {
  return Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');
}
