import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson } from './key.ts';

describe('canonicalJson', () => {
  it('sorts object keys at every level and writes what JSON.stringify writes otherwise', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x', { d: 2, c: [] }] })).toBe(
      '{"a":[true,null,"x",{"c":[],"d":2}],"b":1}',
    );
    // As JSON.stringify: undefined is null in an array and leaves its key out of an object.
    expect(canonicalJson([undefined, { u: undefined, v: 1 }])).toBe('[null,{"v":1}]');
    expect(canonicalJson({ name: 'y', parameters: undefined })).toBe(canonicalJson({ name: 'y' }));
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson('s"q')).toBe('"s\\"q"');
    const v = { z: [1, [2, [3]]], 'a"b': { y: 1, x: 2 } };
    expect(JSON.parse(canonicalJson(v))).toEqual(v);
  });

  it('serialises 10,000 nested arrays and objects without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = i % 2 ? [deep] : { k: deep };
    const text = canonicalJson(deep);
    expect(text.length).toBe(1 + 5_000 * 2 + 5_000 * 6);
    expect(() => cacheKey({ model: 'm', version: 1, inputs: {}, parameters: { deep } })).not.toThrow();
  });
});
