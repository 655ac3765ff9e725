import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';
import { GatewayError } from '../../core/errors.ts';

const unsupported = (message: string) => new GatewayError('UNSUPPORTED_MEDIA_TYPE', message);

/**
 * Whether a Content-Type announces JSON: `application/json`, any `+json` type, or none at all. curl's
 * `-d` default, `application/x-www-form-urlencoded`, is taken too: KServe's and Triton's own examples
 * (and ours) send JSON that way, and neither server looks at the type. Anything else (`text/plain`,
 * `application/xml`…) is refused.
 */
export function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return (
    type === '' || type === 'application/json' || type.endsWith('+json') || type === 'application/x-www-form-urlencoded'
  );
}

/** 415 UNSUPPORTED_MEDIA_TYPE unless the Content-Type is JSON (see isJsonType) or one of `also`. */
export function requireJsonType(contentType: string | undefined, also: readonly string[] = []): void {
  if (isJsonType(contentType)) return;
  const type = contentType!.split(';', 1)[0]!.trim().toLowerCase();
  if (also.includes(type)) return;
  throw unsupported(
    `Content-Type ${JSON.stringify(contentType!.slice(0, 100))} is not accepted here: send application/json${also.length ? ` or ${also.join(', ')}` : ''}`,
  );
}

type Inflate = (buf: InputType, options: ZlibOptions) => Promise<Buffer>;
const DECODERS: Record<string, Inflate> = {
  gzip: promisify(gunzip) as Inflate,
  'x-gzip': promisify(gunzip) as Inflate,
  deflate: promisify(inflate) as Inflate,
  br: promisify(brotliDecompress) as Inflate,
};
const rawDeflate = promisify(inflateRaw) as Inflate;

/**
 * Checks a Content-Encoding before the body is read: none or `identity` (undefined: nothing to do),
 * gzip, deflate or br (their name); anything else, a list of several, is 415.
 */
export function contentEncoding(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const e = header.trim().toLowerCase();
  if (e === '' || e === 'identity') return undefined;
  if (!(e in DECODERS))
    throw unsupported(
      `Content-Encoding ${JSON.stringify(header.slice(0, 100))} is not supported: send identity, gzip, deflate or br`,
    );
  return e;
}

/**
 * A compressed body decoded off the event loop (zlib's thread pool), refused with 413 as soon as it
 * would grow past `limit` bytes: a decompression bomb costs at most `limit` bytes of memory.
 * Corrupt data is 400.
 */
export async function decodeContent(encoding: string, body: Buffer, limit: number): Promise<Buffer> {
  const options: ZlibOptions = { maxOutputLength: Math.max(1, Math.min(limit + 1, 2 ** 32)) };
  try {
    const out = await DECODERS[encoding]!(body, options).catch((e: NodeJS.ErrnoException) => {
      // Some clients send raw DEFLATE without the zlib wrapper that HTTP's "deflate" names.
      if (encoding === 'deflate' && e.code === 'Z_DATA_ERROR') return rawDeflate(body, options);
      throw e;
    });
    if (out.length > limit) throw Object.assign(new RangeError('too large'), { code: 'ERR_BUFFER_TOO_LARGE' });
    return out;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new GatewayError(
        'PAYLOAD_TOO_LARGE',
        `the request body exceeds ${limit} bytes once decompressed (${encoding})`,
      );
    }
    throw new GatewayError(
      'INVALID_INPUT',
      `could not decompress the ${encoding} request body: ${(e as Error).message}`,
    );
  }
}

/** True for a multipart/form-data content type. */
export const isMultipart = (type: string | undefined): boolean => /^\s*multipart\/form-data/i.test(type ?? '');

/** The media type of a Content-Type or Accept entry: lower case, without its parameters. */
export const mediaType = (type: string | undefined): string => (type ?? '').split(';', 1)[0]!.trim().toLowerCase();

/** True for an `audio/*` Content-Type: a body streamed to a model (a WAV recording), under the audio body limit. */
export const isAudioType = (type: string | undefined): boolean => mediaType(type).startsWith('audio/');
