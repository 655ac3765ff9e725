/** Why text could not be read as base64. */
export type Base64Problem = 'empty' | 'not base64' | 'data URL not base64';

const DATA_URL = /^data:([^;,]*)(;base64)?,/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The bytes of base64 text as clients send it: the standard or URL-safe alphabet, padding optional,
 * white space ignored, optionally a `data:<type>;base64,` URL. Text that is none of these is refused
 * with the error `fail` makes of the problem, so each caller answers in its own words and code.
 *
 * @example
 * base64Bytes('data:image/png;base64,iVBOR…', (p) => new GatewayError('INVALID_IMAGE', `not an image: ${p}`));
 */
export function base64Bytes(text: string, fail: (problem: Base64Problem) => Error): Uint8Array {
  const dataUrl = DATA_URL.exec(text);
  if (dataUrl && !dataUrl[2]) throw fail('data URL not base64');
  const compact = (dataUrl ? text.slice(dataUrl[0].length) : text).replace(/\s+/g, '');
  if (compact.length === 0) throw fail('empty');
  if (!BASE64.test(compact)) throw fail('not base64');
  return Buffer.from(compact, 'base64');
}
