import { describe, expect, it } from 'vitest';
import { faceInstance } from './instance.ts';

describe('face classifier instances', () => {
  it("follows the model's default unless the instance says otherwise", () => {
    expect(faceInstance('iVBOR', true)).toEqual({ input: 'iVBOR', detect: true });
    expect(faceInstance({ b64: 'iVBOR' }, false)).toEqual({ input: 'iVBOR', detect: false });
    expect(faceInstance({ b64: 'iVBOR', detect: false }, true)).toEqual({ input: 'iVBOR', detect: false });
    const bytes = Uint8Array.of(1, 2);
    expect(faceInstance({ image: bytes, detect: true }, false)).toEqual({ input: bytes, detect: true });
  });

  it('takes a face box as the face, without detection', () => {
    expect(faceInstance({ b64: 'x', box: [1, 2, 30, 40] }, true)).toEqual({
      input: 'x',
      detect: false,
      box: [1, 2, 30, 40],
    });
  });

  it.each([
    [42, /base64 string/],
    [{ b64: 7 }, /base64 string/],
    [{ b64: 'x', detect: 'no' }, /"detect" is true or false/],
    [{ b64: 'x', box: [10, 10, 5, 20] }, /x1 < x2/],
    [{ b64: 'x', box: [0, 0, 1] }, /x1 < x2/],
    [{ b64: 'x', box: [0, 0, 1, Number.NaN] }, /x1 < x2/],
    [{ b64: 'x', box: [0, 0, 5, 5], detect: true }, /cannot go with "detect": true/],
  ])('refuses %j with INVALID_INPUT', (instance, message) => {
    expect(() => faceInstance(instance, true)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(message) }),
    );
  });
});
