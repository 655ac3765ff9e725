import { invalidInput } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';

/** Why `{"url": …}` and `"https://…"` instances are refused: the gateway never fetches anything a client names. */
const NO_FETCH =
  'the gateway does not fetch URLs (a server that fetches what clients name can be made to reach internal addresses): send the bytes themselves, as base64 or a multipart upload';

/**
 * The bytes-like payload of a friendly-API instance: the instance itself when it is a string or bytes,
 * else the first string field of `keys` (KServe's `{"b64": …}` convention and friends). A `{"url": …}` instance is
 * refused with a message saying that URLs are not fetched.
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
    if ('url' in instance) throw invalidInput(`${what} instance cannot be a URL: ${NO_FETCH}`);
  }
  throw invalidInput(`${what} instance is a base64 string${keys.map((k) => `, {"${k}": "…"}`).join('')}`);
}

/**
 * INVALID_INPUT when base64 text that failed to decode is a URL (`http://`, `https://`, `file:`…), saying that URLs
 * are not fetched; otherwise nothing.
 *
 * @example refuseUrl('https://example.com/cat.jpg', 'an image') // throws
 */
export function refuseUrl(text: string, what: string): void {
  if (/^\s*[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw invalidInput(`${what} cannot be a URL: ${NO_FETCH}`);
}

/** The elements of the BYTES input `name` of an OIP v2 request. */
export function bytesInput(inputs: Record<string, Tensor>, name: string): Uint8Array[] {
  const t = inputs[name];
  if (t?.datatype !== 'BYTES') throw invalidInput(`expected a BYTES input named '${name}'`);
  return t.data;
}
