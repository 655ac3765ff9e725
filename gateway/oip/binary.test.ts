import { describe, expect, it } from 'vitest';
import { parseHeaderLength, splitBody } from './binary.ts';

describe('parseHeaderLength', () => {
  it('accepts plain non-negative integers up to the body limit', () => {
    expect(parseHeaderLength(undefined, 100)).toBeUndefined();
    expect(parseHeaderLength('0', 100)).toBe(0);
    expect(parseHeaderLength(' 42 ', 100)).toBe(42);
    expect(parseHeaderLength('100', 100)).toBe(100);
  });

  it('refuses fractions, signs, exponents, Infinity, words, huge numbers and lengths over the limit', () => {
    for (const v of [
      '0.5',
      '10.5',
      '-1.5',
      '-0',
      '+1',
      'Infinity',
      '1e400',
      '1e3',
      'abc',
      '',
      '0x10',
      '9'.repeat(400),
      '9007199254740993',
      '101',
    ]) {
      expect(() => parseHeaderLength(v, 100), v).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

describe('splitBody', () => {
  it('splits at the header length and refuses a length past the body', () => {
    const { json, tail } = splitBody(Buffer.from('{}abc'), 2);
    expect(Buffer.from(json).toString()).toBe('{}');
    expect(Buffer.from(tail).toString()).toBe('abc');
    expect(() => splitBody(Buffer.from('{}'), 3)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
