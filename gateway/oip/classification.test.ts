import { describe, expect, it } from 'vitest';
import { fromUtf8, tensor, utf8, type Tensor } from '../../core/tensor.ts';
import { classify } from './classification.ts';

const texts = (t: Tensor) => (t.datatype === 'BYTES' ? t.data.map(fromUtf8) : []);

describe('classification extension', () => {
  const probs = tensor('p', 'FP32', [2, 3], Float32Array.of(0.25, 0.5, 0.25, 0.75, 0.125, 0.125));

  it('answers the top k of each row as "score:index:label", best first', () => {
    const t = classify(probs, 2, ['cat', 'dog', 'bird']);
    expect([t.name, t.datatype, t.shape]).toEqual(['p', 'BYTES', [2, 2]]);
    expect(texts(t)).toEqual(['0.5:1:dog', '0.25:0:cat', '0.75:0:cat', '0.125:1:dog']);
  });

  it('leaves the label out when the model has none, and caps k at the class count', () => {
    const t = classify(tensor('p', 'INT64', [3], BigInt64Array.of(1n, 9n, 4n)), 10);
    expect([t.shape, texts(t)]).toEqual([[3], ['9:1', '4:2', '1:0']]);
  });

  it('refuses a k that is not a positive integer and outputs that are not numbers', () => {
    for (const k of [0, -1, 1.5, '2', undefined])
      expect(() => classify(probs, k), String(k)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => classify(tensor('t', 'BYTES', [1], [utf8('x')]), 1)).toThrow(/cannot be classified/);
  });
});
