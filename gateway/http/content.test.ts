import { describe, expect, it } from 'vitest';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { contentEncoding, decodeContent, isJsonType, requireJsonType } from './content.ts';

describe('JSON content types', () => {
  it("takes application/json, +json, curl -d's form type and none; refuses text/plain", () => {
    for (const t of [
      undefined,
      '',
      'application/json',
      'Application/JSON; charset=utf-8',
      'application/problem+json',
      'application/x-www-form-urlencoded',
    ])
      expect(isJsonType(t)).toBe(true);
    for (const t of ['text/plain', 'text/plain;charset=UTF-8', 'application/xml', 'multipart/form-data; boundary=x'])
      expect(isJsonType(t)).toBe(false);
    expect(() => requireJsonType('text/plain')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }));
    expect(() => requireJsonType('application/octet-stream', ['application/octet-stream'])).not.toThrow();
  });
});

describe('Content-Encoding', () => {
  it('names gzip, deflate and br, passes identity, refuses others and lists with 415', () => {
    expect(contentEncoding(undefined)).toBeUndefined();
    expect(contentEncoding('identity')).toBeUndefined();
    expect(contentEncoding('GZIP')).toBe('gzip');
    for (const e of ['compress', 'zstd', 'gzip, br'])
      expect(() => contentEncoding(e)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }));
  });

  it('decodes gzip and both forms of deflate; stops a bomb at the limit (413) and corrupt data is 400', async () => {
    const text = Buffer.from('{"a":1}');
    expect((await decodeContent('gzip', gzipSync(text), 100)).toString()).toBe('{"a":1}');
    expect((await decodeContent('deflate', deflateSync(text), 100)).toString()).toBe('{"a":1}');
    expect((await decodeContent('deflate', deflateRawSync(text), 100)).toString()).toBe('{"a":1}');
    await expect(decodeContent('gzip', gzipSync(Buffer.alloc(10_000_000)), 1000)).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    await expect(decodeContent('gzip', gzipSync(Buffer.alloc(1001)), 1000)).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect((await decodeContent('gzip', gzipSync(Buffer.alloc(1000)), 1000)).length).toBe(1000);
    await expect(decodeContent('gzip', Buffer.from('nope'), 1000)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
