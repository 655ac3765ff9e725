import { describe, expect, it } from 'vitest';
import {
  allocate,
  checkedElementCount,
  concat,
  DATATYPES,
  elementCount,
  elementSize,
  fromBytes,
  fromUtf8,
  padTo,
  shapeMatches,
  shapeText,
  sliceRows,
  toBytes,
  utf8,
  type Tensor,
} from './tensor.ts';

describe('checkedElementCount', () => {
  it('counts elements of shapes within the limit, zero dimensions included', () => {
    expect(checkedElementCount([], 10)).toBe(1);
    expect(checkedElementCount([2, 5], 10)).toBe(10);
    expect(checkedElementCount([0, 10], 10)).toBe(0);
  });

  it('refuses a zero-element shape with a huge extent, products past the limit and unsafe dimensions', () => {
    for (const shape of [
      [0, 4294967296],
      [4294967296, 0],
      [11],
      [4, 3],
      [65536, 65536, 65536, 65536, 65536],
      [2 ** 53],
      [1.5],
      [-1],
      [Infinity],
      [NaN],
    ]) {
      expect(() => checkedElementCount(shape, 10), String(shape)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
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

describe('buffers by datatype', () => {
  it('allocates the buffer type each datatype fixes, zeroed', () => {
    expect(allocate('FP32', 3)).toEqual(new Float32Array(3));
    expect(allocate('INT64', 2)).toEqual(new BigInt64Array(2));
    expect(allocate('UINT64', 1)).toBeInstanceOf(BigUint64Array);
    expect(allocate('FP16', 1)).toBeInstanceOf(Uint16Array);
    expect(allocate('BOOL', 1)).toBeInstanceOf(Uint8Array);
    expect(allocate('BYTES', 2)).toEqual([new Uint8Array(0), new Uint8Array(0)]);
    expect(DATATYPES.filter((d) => d !== 'BYTES').map((d) => elementSize(d))).toEqual([
      1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8,
    ]);
  });

  it('reads little-endian bytes as typed data, aligned or not, and gives the bytes back', () => {
    const values = new Float32Array([1.5, -2, 3.25]);
    const bytes = toBytes(values);
    expect(bytes.byteLength).toBe(12);
    expect(fromBytes('FP32', bytes)).toEqual(values);
    const odd = new Uint8Array(13);
    odd.set(bytes, 1);
    expect(fromBytes('FP32', odd.subarray(1))).toEqual(values); // copied to an aligned buffer
    expect(fromBytes('INT64', toBytes(BigInt64Array.of(-1n, 2n ** 40n)))).toEqual(BigInt64Array.of(-1n, 2n ** 40n));
  });

  it('round-trips UTF-8 for BYTES elements', () => {
    expect(fromUtf8(utf8('héllo ✓'))).toBe('héllo ✓');
  });
});

describe('shapes', () => {
  it('counts elements and matches declared shapes, -1 matching any size', () => {
    expect(elementCount([2, 3, 4])).toBe(24);
    expect(elementCount([])).toBe(1);
    expect(elementCount([5, 0])).toBe(0);
    expect(shapeMatches([-1, 4], [7, 4])).toBe(true);
    expect(shapeMatches([-1, 4], [7, 5])).toBe(false);
    expect(shapeMatches([-1, 4], [7, 4, 1])).toBe(false);
  });
});

describe('rows', () => {
  const x: Tensor = { name: 'x', datatype: 'FP32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) };
  const ids: Tensor = { name: 'ids', datatype: 'INT64', shape: [1, 2], data: BigInt64Array.of(7n, 8n) };
  const texts: Tensor = { name: 't', datatype: 'BYTES', shape: [3], data: ['a', 'b', 'c'].map(utf8) };

  it('concatenates along dimension 0, numeric and BYTES, one part as itself', () => {
    const both = concat([x, { ...x, shape: [1, 3], data: Float32Array.of(7, 8, 9) }]);
    expect(both).toEqual({
      name: 'x',
      datatype: 'FP32',
      shape: [3, 3],
      data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9),
    });
    expect(concat([ids, ids]).data).toEqual(BigInt64Array.of(7n, 8n, 7n, 8n));
    const t = concat([texts, texts]);
    expect([t.shape, (t.data as Uint8Array[]).map(fromUtf8)]).toEqual([[6], ['a', 'b', 'c', 'a', 'b', 'c']]);
    expect(concat([x])).toBe(x);
  });

  it('slices rows as views of the same buffer (numeric) or new lists (BYTES)', () => {
    const second = sliceRows(x, 1, 2);
    expect(second).toEqual({ name: 'x', datatype: 'FP32', shape: [1, 3], data: Float32Array.of(4, 5, 6) });
    expect((second.data as Float32Array).buffer).toBe((x.data as Float32Array).buffer);
    expect((sliceRows(texts, 1, 3).data as Uint8Array[]).map(fromUtf8)).toEqual(['b', 'c']);
    expect(sliceRows(x, 0, 0).shape).toEqual([0, 3]);
  });

  it('pads to a larger shape: values at the start of every axis, the pad value elsewhere', () => {
    const padded = padTo(x, [2, 5], -1);
    expect(padded.shape).toEqual([2, 5]);
    expect(Array.from(padded.data as Float32Array)).toEqual([1, 2, 3, -1, -1, 4, 5, 6, -1, -1]);
    const cube = padTo({ name: 'c', datatype: 'INT32', shape: [1, 1, 2], data: Int32Array.of(1, 2) }, [1, 2, 3], 0);
    expect(Array.from(cube.data as Int32Array)).toEqual([1, 2, 0, 0, 0, 0]);
    expect(padTo(ids, [1, 3], 9).data).toEqual(BigInt64Array.of(7n, 8n, 9n));
    expect(padTo(x, [2, 3], 0)).toBe(x);
    expect(() => padTo(texts, [4], 0)).toThrow(/cannot be padded/);
  });
});
