import { describe, expect, it } from 'vitest';
import { base64Bytes, type Base64Problem } from './base64.ts';

const fail = (p: Base64Problem) => new Error(p);
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('base64Bytes', () => {
  it('reads standard and URL-safe base64, with or without padding, across white space', () => {
    expect(text(base64Bytes('aGVsbG8=', fail))).toBe('hello');
    expect(text(base64Bytes('aGVsbG8', fail))).toBe('hello');
    expect(text(base64Bytes(' aGVs\nbG8=\r\n', fail))).toBe('hello');
    expect([...base64Bytes('-_8=', fail)]).toEqual([0xfb, 0xff]);
    expect([...base64Bytes('+/8=', fail)]).toEqual([0xfb, 0xff]);
  });

  it('reads base64 data URLs of any type', () => {
    expect(text(base64Bytes('data:image/png;base64,aGVsbG8=', fail))).toBe('hello');
    expect(text(base64Bytes('data:;base64,aGk=', fail))).toBe('hi');
  });

  it("names the problem with anything else, through the caller's error", () => {
    expect(() => base64Bytes('', fail)).toThrow('empty');
    expect(() => base64Bytes(' \n', fail)).toThrow('empty');
    expect(() => base64Bytes('data:audio/wav;base64,', fail)).toThrow('empty');
    expect(() => base64Bytes('not base64 %%', fail)).toThrow('not base64');
    expect(() => base64Bytes('aGVsbG8===', fail)).toThrow('not base64');
    expect(() => base64Bytes('data:text/plain,hello', fail)).toThrow('data URL not base64');
  });
});
