import { describe, expect, it } from 'vitest';
import { checkedElementCount, shapeText } from './tensor.ts';

describe('checkedElementCount', () => {
  it('counts elements of shapes within the limit, zero dimensions included', () => {
    expect(checkedElementCount([], 10)).toBe(1);
    expect(checkedElementCount([2, 5], 10)).toBe(10);
    expect(checkedElementCount([0, 10], 10)).toBe(0);
  });

  it('refuses a zero-element shape with a huge extent, products past the limit and unsafe dimensions', () => {
    for (const shape of [[0, 4294967296], [4294967296, 0], [11], [4, 3], [65536, 65536, 65536, 65536, 65536], [2 ** 53], [1.5], [-1], [Infinity], [NaN]]) {
      expect(() => checkedElementCount(shape, 10), String(shape)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
    expect(() => checkedElementCount([0, 4294967296], 10)).toThrow(/MAX_TENSOR_ELEMENTS/);
  });

  it('never leaves the safe-integer range on its way to the verdict', () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(() => checkedElementCount([2 ** 30, 2 ** 30, 2 ** 30], max)).toThrow(/MAX_TENSOR_ELEMENTS/);
    expect(checkedElementCount([2 ** 26, 2 ** 26], max)).toBe(2 ** 52);
  });
});

describe('shapeText', () => {
  it('shows at most 8 dimensions', () => {
    expect(shapeText([1, 2])).toBe('[1,2]');
    expect(shapeText(Array(100_000).fill(1))).toBe('[1,1,1,1,1,1,1,1,… 100000 dimensions]');
  });
});
