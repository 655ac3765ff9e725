import { invalidInput } from '../../core/errors.ts';
import { allocate, type DataType, type TensorData } from '../../core/tensor.ts';
import { putNumber } from './json-data.ts';
import { CLOSE_ARRAY, COMMA, DOT, isSpace, LOWER_E, MINUS, NINE, PLUS, UPPER_E, ZERO } from '../http/json-bytes.ts';

/** A flat JSON array of numbers inside a body: where it lies (`[` to just past `]`) and how many it holds. */
export interface NumberArray {
  bytes: Uint8Array;
  start: number;
  end: number;
  count: number;
}

const isDigit = (b: number) => b >= ZERO && b <= NINE;

/** Index just past a JSON number starting at `i`, or -1 when the bytes there are not one (RFC 8259 grammar). */
function numberEnd(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else if (isDigit(b[i]!)) while (isDigit(b[++i]!));
  else return -1;
  if (b[i] === DOT) {
    if (!isDigit(b[++i]!)) return -1;
    while (isDigit(b[++i]!));
  }
  if (b[i] === LOWER_E || b[i] === UPPER_E) {
    if (b[++i] === PLUS || b[i] === MINUS) i++;
    if (!isDigit(b[i]!)) return -1;
    while (isDigit(b[++i]!));
  }
  return i;
}

/**
 * The flat array of JSON numbers opening at `bytes[start]` (a `[`): where it ends and how many numbers it
 * holds, or undefined when it holds anything else (nested arrays, strings, literals, malformed numbers), which
 * is then left to JSON.parse.
 *
 * @example scanNumberArray(Buffer.from('[1, -2.5e3]'), 0) // { bytes, start: 0, end: 11, count: 2 }
 */
export function scanNumberArray(bytes: Uint8Array, start: number): NumberArray | undefined {
  let i = start + 1;
  let count = 0;
  while (isSpace(bytes[i]!)) i++;
  if (bytes[i] === CLOSE_ARRAY) return { bytes, start, end: i + 1, count };
  for (;;) {
    i = numberEnd(bytes, i);
    if (i < 0) return undefined;
    count++;
    while (isSpace(bytes[i]!)) i++;
    if (bytes[i] === CLOSE_ARRAY) return { bytes, start, end: i + 1, count };
    if (bytes[i] !== COMMA) return undefined;
    i++;
    while (isSpace(bytes[i]!)) i++;
  }
}

/** 10^0 … 10^22: every one exact in a double. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Relative margin around an approximate value (≤ 3 ulp off) inside which it rounds to one FP32 for sure. */
const MARGIN = 2 ** -48;

/**
 * Decodes the numbers of `a` into a buffer of `datatype`, the same values JSON.parse then a typed-array store
 * give, without building an array of JS numbers first. Each number is read digit by digit: with at most 15
 * significant digits and a decimal exponent within ±22 the double is exact (one correctly rounded multiply or
 * divide by an exact power of ten, Clinger's fast path); for FP32 a longer number is exact too when its
 * approximation (≤ 3 ulp off) and everything within 2^-48 of it round to the same FP32; anything else is
 * converted by V8's own string-to-number. Integer datatypes are checked as JSON data is (whole, in range).
 */
export function decodeNumbers(a: NumberArray, datatype: DataType, name: string): TensorData {
  if (datatype === 'FP16') throw invalidInput(`input '${name}': FP16 is supported only in the binary tensor format`);
  if (datatype === 'BYTES') {
    if (a.count > 0) throw invalidInput(`input '${name}': element 0 of a BYTES tensor must be a string`);
    return [];
  }
  const out = allocate(datatype, a.count);
  const b = a.bytes;
  const fp32 = datatype === 'FP32';
  let i = a.start + 1;
  for (let k = 0; k < a.count; k++) {
    while (b[i] !== MINUS && !isDigit(b[i]!)) i++; // spaces and commas
    const from = i;
    const negative = b[i] === MINUS;
    if (negative) i++;
    let m = 0;
    let digits = 0;
    let scale = 0;
    let c = b[i]!;
    while (isDigit(c)) {
      if (m > 0 || c !== ZERO) digits++;
      m = m * 10 + (c - ZERO);
      c = b[++i]!;
    }
    if (c === DOT) {
      c = b[++i]!;
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
      let e = 0;
      while (isDigit(c)) {
        if (e < 100_000) e = e * 10 + (c - ZERO);
        c = b[++i]!;
      }
      scale += sign * e;
    }
    let v = Number.NaN;
    if (m === 0) v = 0;
    else if (scale >= -22 && scale <= 22 && digits <= (fp32 ? 19 : 15)) {
      v = scale < 0 ? m / POW10[-scale]! : m * POW10[scale]!;
      if (fp32 && digits > 15) {
        const f = Math.fround(v);
        if (Math.fround(v * (1 - MARGIN)) !== f || Math.fround(v * (1 + MARGIN)) !== f) v = Number.NaN;
      }
    }
    if (Number.isNaN(v)) v = Math.abs(Number(latin1(b, from, i)));
    if (negative) v = -v;
    if (fp32) out[k] = v;
    else putNumber(out, datatype, name, k, v);
  }
  return out;
}

/** The ASCII text of `b[from, to)`. */
function latin1(b: Uint8Array, from: number, to: number): string {
  return Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');
}
