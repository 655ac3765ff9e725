import { describe, expect, it } from 'vitest';
import { tensor, utf8 } from '../../core/tensor.ts';
import { flatten, fromJson, toJson } from './json-data.ts';

const refused = (f: () => unknown, message: RegExp) =>
  expect(f).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(message) }));

describe('JSON tensor data', () => {
  it('takes flat data as it is and nested data that follows the shape', () => {
    expect(flatten('x', [1, 2, 3, 4], [2, 2])).toEqual([1, 2, 3, 4]);
    expect(
      flatten(
        'x',
        [
          [1, 2],
          [3, 4],
        ],
        [2, 2],
      ),
    ).toEqual([1, 2, 3, 4]);
    expect(flatten('x', [[[1], [2]]], [1, 2, 1])).toEqual([1, 2]);
  });

  it('refuses data that is not an array or nesting that does not follow the shape', () => {
    refused(() => flatten('x', 'abc', [3]), /input 'x': data must be an array/);
    refused(() => flatten('x', [[1, 2], [3]], [2, 2]), /nested data does not follow shape \[2,2\]/);
    refused(
      () =>
        flatten(
          'x',
          [
            [1, 2],
            [3, 4],
          ],
          [4],
        ),
      /does not follow/,
    );
    refused(() => flatten('x', [[[1, 2]]], [1, 2]), /does not follow/);
  });

  it('converts values into the buffer of the datatype', () => {
    expect(fromJson('x', 'FP32', [1.5, -2])).toEqual(Float32Array.of(1.5, -2));
    expect(fromJson('x', 'INT64', [2 ** 40, -1])).toEqual(BigInt64Array.of(2n ** 40n, -1n));
    expect(fromJson('x', 'UINT8', [0, 255])).toEqual(Uint8Array.of(0, 255));
    expect(fromJson('x', 'BOOL', [true, false, 1, 0])).toEqual(Uint8Array.of(1, 0, 1, 0));
    expect(fromJson('x', 'BYTES', ['hé'])).toEqual([utf8('hé')]);
  });

  it('refuses values that do not fit the datatype, naming the element', () => {
    refused(() => fromJson('x', 'INT8', [1, 128]), /element 1 \(128\) is out of range for INT8/);
    refused(() => fromJson('x', 'UINT32', [-1]), /out of range for UINT32/);
    refused(() => fromJson('x', 'INT64', [2 ** 53]), /out of range for INT64/);
    refused(() => fromJson('x', 'INT32', [1.5]), /element 0 \(1.5\) is not an integer for INT32/);
    refused(() => fromJson('x', 'FP32', ['1']), /element 0 is not a number/);
    refused(() => fromJson('x', 'BOOL', [2]), /must be true or false/);
    refused(() => fromJson('x', 'BYTES', [7]), /element 0 of a BYTES tensor must be a string/);
    refused(() => fromJson('x', 'FP16', [1]), /FP16 is supported only in the binary tensor format/);
  });

  it('writes every datatype back as JSON values', () => {
    expect(toJson(tensor('y', 'FP32', [3], Float32Array.of(1, NaN, Infinity)))).toEqual([1, null, null]);
    expect(toJson(tensor('y', 'INT64', [1], BigInt64Array.of(-5n)))).toEqual([-5]);
    expect(toJson(tensor('y', 'BOOL', [2], Uint8Array.of(1, 0)))).toEqual([true, false]);
    expect(toJson(tensor('y', 'FP16', [4], Uint16Array.of(0x3c00, 0xc000, 0x7c00, 0x0001)))).toEqual([
      1,
      -2,
      Infinity,
      2 ** -24,
    ]);
    expect(toJson(tensor('y', 'BYTES', [1], [utf8('ok')]))).toEqual(['ok']);
    expect(toJson(tensor('y', 'INT8', [2], Int8Array.of(-1, 1)))).toEqual([-1, 1]);
  });
});
