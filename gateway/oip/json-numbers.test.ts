import { describe, expect, it } from 'vitest';
import { allocate, type DataType } from '../../core/tensor.ts';
import { decodeNumbers, scanNumberArray } from './json-numbers.ts';

const bytes = (s: string) => Buffer.from(s);
/** What the JSON.parse path stores for the same text: parse, then a typed-array store. */
function viaJsonParse(text: string, datatype: DataType) {
  const values = JSON.parse(text) as number[];
  const out = allocate(datatype, values.length);
  values.forEach((v, i) => {
    out[i] = (out instanceof BigInt64Array || out instanceof BigUint64Array ? BigInt(v) : v) as never;
  });
  return out;
}
const decode = (text: string, datatype: DataType) => decodeNumbers(scanNumberArray(bytes(text), 0)!, datatype, 'x');

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('scanNumberArray', () => {
  it('finds the end and count of a flat array of JSON numbers, spaces allowed anywhere between tokens', () => {
    const text = ' [ 1 , -2.5e3,0,\n3.25E-2\t] ,';
    expect(scanNumberArray(bytes(text), 1)).toMatchObject({ start: 1, end: text.indexOf(']') + 1, count: 4 });
    expect(scanNumberArray(bytes('[]'), 0)).toMatchObject({ end: 2, count: 0 });
    expect(scanNumberArray(bytes('[ ]'), 0)).toMatchObject({ end: 3, count: 0 });
  });

  it('gives up on anything that is not strictly a flat array of numbers (JSON.parse then judges it)', () => {
    for (const text of [
      '[1,[2]]',
      '["1"]',
      '[true]',
      '[null]',
      '[1,]',
      '[,1]',
      '[01]',
      '[1.]',
      '[.5]',
      '[+1]',
      '[1e]',
      '[1e+]',
      '[-]',
      '[NaN]',
      '[Infinity]',
      '[1 2]',
      '[1',
      '[0x10]',
    ])
      expect(scanNumberArray(bytes(text), 0), text).toBeUndefined();
  });
});

describe('decodeNumbers', () => {
  it('stores exactly what JSON.parse and a typed-array store would, for random FP32 and FP64 data', () => {
    const next = random(7);
    const forms = [
      () => String(next() * 2 - 1), // 16–17 significant digits
      () => String(Math.fround(next() * 1000)), // a float's shortest form
      () => (next() * 100).toFixed(3),
      () => (next() * 1e-5).toExponential(12),
      () => (next() * 1e30).toExponential(18),
      () => (next() * 1e-30).toExponential(5),
      () => String(Math.round(next() * 1e6) - 5e5),
      () => '123456789012345678901234567890.5',
      () => '0.00000000000000000000000000001',
      () => '-0',
      () => '1e400',
      () => '-1e-400',
    ];
    for (let round = 0; round < 50; round++) {
      const values = Array.from({ length: 200 }, () => forms[Math.floor(next() * forms.length)]!());
      const text = `[${values.join(', ')}]`;
      for (const datatype of ['FP32', 'FP64'] as const) {
        const want = viaJsonParse(text, datatype);
        const got = decode(text, datatype);
        // Object.is per element: -0 and 0 differ, NaN never appears.
        expect(Array.from(got as Float32Array).map((v, i) => Object.is(v, want[i]) || [v, want[i], values[i]])).toEqual(
          values.map(() => true),
        );
      }
    }
  });

  it('is exact on FP32 values at and next to rounding boundaries (falls back to the full conversion there)', () => {
    // Midpoints between FP32 neighbours, and the doubles 1–2 ulp either side, written with 17–19 digits.
    const next = random(11);
    const values: string[] = [];
    for (let k = 0; k < 400; k++) {
      const f = Math.fround(next() * 2 ** Math.floor(next() * 40 - 20));
      const mid = f + (Math.fround(f * (1 + 2 ** -23)) - f) / 2;
      const d = (next() < 0.5 ? -1 : 1) * Math.floor(next() * 3) * 2 ** -52;
      values.push((mid * (1 + d)).toPrecision(17 + (k % 3)));
    }
    const text = `[${values.join(',')}]`;
    expect(Array.from(decode(text, 'FP32') as Float32Array)).toEqual(
      Array.from(viaJsonParse(text, 'FP32') as Float32Array),
    );
  });

  it('checks integer and BOOL data as the JSON path does', () => {
    expect(Array.from(decode('[1, -2, 3e2, 4.0]', 'INT32') as Int32Array)).toEqual([1, -2, 300, 4]);
    expect(Array.from(decode('[9007199254740991]', 'INT64') as BigInt64Array)).toEqual([9007199254740991n]);
    expect(Array.from(decode('[0, 1]', 'BOOL') as Uint8Array)).toEqual([0, 1]);
    const refused = (text: string, datatype: DataType, message: RegExp) =>
      expect(() => decode(text, datatype)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(message) }),
      );
    refused('[1, 2.5]', 'INT32', /element 1 \(2\.5\) is not an integer for INT32/);
    refused('[256]', 'UINT8', /element 0 \(256\) is out of range for UINT8/);
    refused('[-1]', 'UINT32', /out of range for UINT32/);
    refused('[2]', 'BOOL', /element 0 of a BOOL tensor must be true or false/);
    refused('[1]', 'BYTES', /element 0 of a BYTES tensor must be a string/);
    refused('[1]', 'FP16', /FP16 is supported only in the binary tensor format/);
    expect(decode('[]', 'BYTES')).toEqual([]);
  });
});
