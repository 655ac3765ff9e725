import { describe, expect, it } from 'vitest';
import { liftedArray, liftInputData } from './json-lift.ts';

const lift = (text: string, maxDepth = 64) => liftInputData(Buffer.from(text), maxDepth, 0);
const parsed = (text: string) => {
  const l = lift(text);
  return { l, value: JSON.parse(l.text) };
};

describe('liftInputData', () => {
  it("lifts the flat number arrays of the root's inputs out of the text, leaving a placeholder for each", () => {
    const body =
      '{"id":"a","inputs":[{"name":"x","datatype":"FP32","shape":[2],"data":[1.5, -2]},' +
      '{"name":"y","datatype":"INT32","shape":[1],"data" : [ 7 ]}],"outputs":[{"name":"o"}]}';
    const { l, value } = parsed(body);
    expect(l.arrays.map((a) => a.count)).toEqual([2, 1]);
    expect(value.id).toBe('a');
    expect(value.inputs[0].shape).toEqual([2]); // shapes stay in the text
    expect(liftedArray(l, value.inputs[0].data)).toBe(l.arrays[0]);
    expect(liftedArray(l, value.inputs[1].data)).toBe(l.arrays[1]);
    expect(value.outputs).toEqual([{ name: 'o' }]);
  });

  it('leaves everything else to JSON.parse: nested or non-numeric data, data elsewhere, keys inside strings', () => {
    for (const body of [
      '{"inputs":[{"name":"x","data":[[1,2],[3,4]]}]}',
      '{"inputs":[{"name":"x","data":["a"]}]}',
      '{"inputs":[{"name":"x","data":[true, false]}]}',
      '{"inputs":[{"name":"x","parameters":{"data":[1,2]}}]}',
      '{"parameters":{"data":[1,2]},"inputs":[]}',
      '{"other":[{"data":[1,2]}]}',
      '{"inputs":[{"name":"say \\"data\\": [1]","d\\u0061ta":[1]}]}',
      '[{"inputs":[{"data":[1]}]}]',
      '{"x":{"inputs":[{"data":[1]}]}}',
    ]) {
      const l = lift(body);
      expect(l.arrays, body).toEqual([]);
      expect(l.text).toBe(body);
    }
  });

  it('keeps malformed JSON malformed, so JSON.parse still refuses it', () => {
    for (const body of [
      '{"inputs":[{"data":[1,2]}]',
      '{"inputs":[{"data":[1,2]} {"data":[3]}]}',
      '{"inputs":[["data":[1]]]}',
    ])
      expect(() => JSON.parse(lift(body).text), body).toThrow();
  });

  it('refuses nesting deeper than the limit, a lifted array counting as a level', () => {
    expect(() => lift('{"inputs":[{"data":[1]}]}', 3)).toThrow(expect.objectContaining({ code: 'INVALID_JSON' }));
    expect(lift('{"inputs":[{"data":[1]}]}', 4).arrays).toHaveLength(1);
    expect(() => lift('[[[[[1]]]]]', 4)).toThrow(/nests deeper than 4 levels/);
  });

  it('parses a short body whole (lifting costs more than it saves there), a long one lifted', () => {
    const body = (n: number) => `{"inputs":[{"name":"x","data":[${Array(n).fill('0.5').join(',')}]}]}`;
    expect(liftInputData(Buffer.from(body(16)), 64).arrays).toEqual([]);
    expect(liftInputData(Buffer.from(body(1024)), 64).arrays[0]?.count).toBe(1024);
    expect(() => liftInputData(Buffer.from('[[[[[1]]]]]'), 4)).toThrow(/nests deeper than 4 levels/);
  });

  it('does not take a placeholder a client wrote for a lifted array', () => {
    const { l, value } = parsed('{"inputs":[{"name":"x","data":[1]},{"name":"y","data":"\\u00000:0"}]}');
    expect(liftedArray(l, value.inputs[0].data)).toBe(l.arrays[0]);
    expect(liftedArray(l, value.inputs[1].data)).toBeUndefined();
    expect(liftedArray(undefined, value.inputs[0].data)).toBeUndefined();
  });
});
