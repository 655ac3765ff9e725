import { randomBytes } from 'node:crypto';
import { checkJsonDepth, tooDeep } from '../http/json-depth.ts';
import { scanNumberArray, type NumberArray } from './json-numbers.ts';
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  isSpace,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
} from '../http/json-bytes.ts';

/** A v2 body's JSON with its inputs' flat number arrays lifted out: the rest as text, and the arrays. */
export interface LiftedJson {
  /** The JSON text to parse, each lifted array replaced by a placeholder string. */
  text: string;
  arrays: NumberArray[];
}

/** Bodies shorter than this are parsed whole (measured: lifting 16 numbers cost more than it saved). */
const LIFT_MIN_BYTES = 2048;

/**
 * The placeholder's prefix: a NUL and a random nonce of this process, so a client cannot forge one. JSON
 * text holds it escaped; the parsed string starts with a real NUL.
 */
const NONCE = randomBytes(12).toString('hex');
const PREFIX = `\u0000${NONCE}:`;
const placeholder = (k: number) => `"\\u0000${NONCE}:${k}"`;

/** The lifted array a parsed `data` value stands for, if it is a placeholder of `lifted`. */
export function liftedArray(lifted: LiftedJson | undefined, data: unknown): NumberArray | undefined {
  if (!lifted || typeof data !== 'string' || !data.startsWith(PREFIX)) return undefined;
  return lifted.arrays[Number(data.slice(PREFIX.length))];
}

/** Whether the JSON string whose text starts at `from` is exactly `word` (ASCII, unescaped). */
const isKey = (b: Uint8Array, from: number, word: string): boolean => {
  for (let k = 0; k < word.length; k++) if (b[from + k] !== word.charCodeAt(k)) return false;
  return b[from + word.length] === QUOTE;
};

/**
 * One linear scan of a v2 request's JSON bytes: checks the nesting depth (MAX_JSON_DEPTH, 400 beyond it)
 * and lifts out the flat number arrays under `inputs[i].data` (the bulk of a tensor request), so that
 * JSON.parse reads only the small rest and the numbers go straight into typed arrays (json-numbers.ts).
 * Anything else in `data` (nested arrays, strings, booleans, malformed numbers) stays in the text and is
 * parsed as before. A body shorter than `minBytes` is only depth-checked and parsed whole.
 *
 * @example liftInputData(Buffer.from('{"inputs":[{"name":"x","data":[1,2]}]}'), 64).arrays[0].count // 2
 */
export function liftInputData(bytes: Uint8Array, maxDepth: number, minBytes = LIFT_MIN_BYTES): LiftedJson {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A small body has little to lift: JSON.parse alone is cheaper than the lifting around it.
  if (bytes.length < minBytes) {
    checkJsonDepth(bytes, maxDepth);
    return { text: buf.toString('utf8'), arrays: [] };
  }
  const arrays: NumberArray[] = [];
  const parts: string[] = [];
  let copied = 0;
  let depth = 0;
  /** Where the last string's text starts, and whether a colon followed it (it is the key of what comes next). */
  let keyFrom = -1;
  let afterKey = false;
  /** Depth at which the `inputs` array of the root object opened (0: not inside it). */
  let inputsAt = 0;
  let rootIsObject = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      const from = i + 1;
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      keyFrom = from;
      afterKey = false;
      continue;
    }
    if (isSpace(b)) continue;
    if (b === COLON) {
      afterKey = keyFrom >= 0;
      continue;
    }
    const key = afterKey;
    afterKey = false;
    if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (depth === 0) rootIsObject = b === OPEN_OBJECT;
      // `"data": [` in an object of the root's `inputs` array: lifted when it is a flat array of numbers.
      const a =
        b === OPEN_ARRAY && key && depth === 3 && inputsAt === 2 && isKey(bytes, keyFrom, 'data')
          ? scanNumberArray(bytes, i)
          : undefined;
      if (a) {
        if (depth + 1 > maxDepth) throw tooDeep(maxDepth);
        parts.push(buf.toString('utf8', copied, i), placeholder(arrays.length));
        arrays.push(a);
        copied = a.end;
        i = a.end - 1;
        continue;
      }
      depth++;
      if (depth > maxDepth) throw tooDeep(maxDepth);
      if (b === OPEN_ARRAY && key && depth === 2 && rootIsObject && isKey(bytes, keyFrom, 'inputs')) inputsAt = 2;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      if (depth === inputsAt) inputsAt = 0;
      depth--;
    }
  }
  if (!arrays.length) return { text: buf.toString('utf8'), arrays };
  parts.push(buf.toString('utf8', copied));
  return { text: parts.join(''), arrays };
}
