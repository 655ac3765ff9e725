import { describe, expect, it } from 'vitest';
import { predictions, undetermined } from './top-k.ts';

describe('undetermined answers', () => {
  const unknown = { label: 'und', below: 0.3 };

  it('answers the unknown label below the threshold, keeping the best guess and the guesses above 0', () => {
    const [p] = predictions([[0.2, 0.1, 0]], ['ko', 'en', 'fr'], 3);
    expect(undetermined(p!, unknown)).toEqual({
      label: 'und',
      score: 0.2,
      top_k: [
        { label: 'ko', score: 0.2 },
        { label: 'en', score: 0.1 },
      ],
    });
  });

  it('answers the unknown label, with no guesses, when nothing scored (no opinion)', () => {
    const [p] = predictions([[0, 0]], ['ko', 'en'], 2);
    expect(undetermined(p!, unknown)).toEqual({ label: 'und', score: 0, top_k: [] });
  });

  it('leaves a confident answer, or any answer without an unknown label, as it is', () => {
    const [sure, unsure] = predictions(
      [
        [0.9, 0.1],
        [0.2, 0.1],
      ],
      ['ko', 'en'],
      1,
    );
    expect(undetermined(sure!, unknown)).toBe(sure);
    expect(undetermined(unsure!, undefined)).toBe(unsure);
  });
});
