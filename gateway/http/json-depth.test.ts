import { describe, expect, it } from 'vitest';
import { checkJsonDepth, jsonDepth } from './json-depth.ts';

const b = (s: string) => Buffer.from(s);

describe('jsonDepth', () => {
  it('counts nested arrays and objects, not brackets inside strings or escaped quotes', () => {
    expect(jsonDepth(b('1'))).toBe(0);
    expect(jsonDepth(b('{"a":[[1],[2,[3]]]}'))).toBe(4);
    expect(jsonDepth(b('["[[[[", "\\"[[[", {"k": "{{{"}]'))).toBe(2);
    expect(jsonDepth(b('["\\\\", [1]]'))).toBe(2); // an escaped backslash ends before the closing quote
  });

  it('scans 10,000 nested arrays without recursion and stops early', () => {
    const deep = b('['.repeat(10_000) + ']'.repeat(10_000));
    expect(jsonDepth(deep)).toBe(10_000);
    expect(jsonDepth(deep, 64)).toBe(65);
  });
});

describe('checkJsonDepth', () => {
  it('accepts up to the limit and refuses one level more with INVALID_JSON', () => {
    expect(() => checkJsonDepth(b('[[[[1]]]]'), 4)).not.toThrow();
    expect(() => checkJsonDepth(b('[[[[[1]]]]]'), 4)).toThrow(
      expect.objectContaining({ code: 'INVALID_JSON', message: expect.stringContaining('MAX_JSON_DEPTH') }),
    );
  });
});
