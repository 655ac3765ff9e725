import { GatewayError } from '../../core/errors.ts';
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from './json-bytes.ts';

/**
 * The deepest nesting of arrays and objects in JSON text, found by one linear scan of its UTF-8 bytes
 * (no recursion, no parsing, no copy; brackets inside strings do not count). It stops as soon as the
 * depth passes `stopAbove`. Malformed text gives some number: JSON.parse reports the error after.
 *
 * @example jsonDepth(Buffer.from('{"a":[[1]]}')) // 3
 */
export function jsonDepth(bytes: Uint8Array, stopAbove = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
  }
  return max;
}

/** 400 when JSON text nests deeper than `maxDepth` (MAX_JSON_DEPTH); checked before parsing. */
export function checkJsonDepth(bytes: Uint8Array, maxDepth: number): void {
  // A body shorter than the limit cannot nest deeper than it: the common small request skips the scan.
  if (bytes.length <= maxDepth) return;
  if (jsonDepth(bytes, maxDepth) > maxDepth) throw tooDeep(maxDepth);
}

/** The error for JSON nested deeper than `maxDepth` (MAX_JSON_DEPTH). */
export const tooDeep = (maxDepth: number): GatewayError =>
  new GatewayError('INVALID_JSON', `the JSON body nests deeper than ${maxDepth} levels (MAX_JSON_DEPTH)`);
