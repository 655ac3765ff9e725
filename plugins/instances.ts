import { invalidInput } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';

/**
 * The bytes-like payload of a friendly-API instance: the instance itself when it is a string or bytes,
 * else the first string field of `keys` (KServe's `{"b64": …}` convention and friends).
 *
 * @example encodedInstance({ b64: 'iVBOR…' }, ['b64', 'image'], 'an image') // 'iVBOR…'
 */
export function encodedInstance(instance: unknown, keys: readonly string[], what: string): string | Uint8Array {
  if (typeof instance === 'string' || instance instanceof Uint8Array) return instance;
  if (typeof instance === 'object' && instance !== null) {
    for (const key of keys) {
      const v = (instance as Record<string, unknown>)[key];
      if (typeof v === 'string') return v;
    }
  }
  throw invalidInput(`${what} instance is a base64 string${keys.map((k) => `, {"${k}": "…"}`).join('')}`);
}

/** The elements of the BYTES input `name` of an OIP v2 request. */
export function bytesInput(inputs: Record<string, Tensor>, name: string): Uint8Array[] {
  const t = inputs[name];
  if (t?.datatype !== 'BYTES') throw invalidInput(`expected a BYTES input named '${name}'`);
  return t.data;
}
