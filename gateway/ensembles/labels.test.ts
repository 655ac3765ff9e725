import { describe, expect, it } from 'vitest';
import { align, project } from './labels.ts';

describe('label alignment', () => {
  it('aligns the same labels in different orders and spellings', () => {
    const a = align([
      { member: 'x', labels: ['Drawing', 'Hentai', 'Neutral'] },
      { member: 'y', labels: ['neutral', 'drawing', 'HENTAI'] },
    ]);
    expect(a.labels).toEqual(['drawing', 'hentai', 'neutral']);
    expect(Array.from(a.index.get('y')!)).toEqual([2, 0, 1]);
    expect(project([0.7, 0.2, 0.1], a.index.get('y')!, 3)).toEqual([0.2, 0.1, 0.7]);
  });

  it('refuses different label sets without a mapping, naming the difference', () => {
    expect(() =>
      align([
        { member: 'x', labels: ['cat', 'dog'] },
        { member: 'y', labels: ['cat', 'wolf'] },
      ]),
    ).toThrow(/only in the first: dog; only in the second: wolf/);
  });

  it('a mapping makes them compatible; null drops a label', () => {
    const a = align([
      { member: 'x', labels: ['cat', 'dog'] },
      { member: 'y', labels: ['kitty', 'wolf', 'other'], mapping: { kitty: 'cat', wolf: 'dog', other: null } },
    ]);
    expect(a.labels).toEqual(['cat', 'dog']);
    expect(project([0.2, 0.6, 0.2], a.index.get('y')!, 2).map((p) => +p.toFixed(6))).toEqual([0.25, 0.75]);
  });

  it('intersection keeps the shared labels and renormalises', () => {
    const a = align(
      [
        { member: 'x', labels: ['en', 'fr', 'de'] },
        { member: 'y', labels: ['fr', 'en', 'ja'] },
      ],
      'intersection',
    );
    expect(a.labels).toEqual(['en', 'fr']);
    expect(project([0.5, 0.3, 0.2], a.index.get('x')!, 2).map((p) => +p.toFixed(6))).toEqual([0.625, 0.375]);
    expect(project([0.1, 0.1, 0.8], a.index.get('y')!, 2)).toEqual([0.5, 0.5]);
  });

  it('union gives absent labels zero', () => {
    const a = align(
      [
        { member: 'x', labels: ['en', 'fr'] },
        { member: 'y', labels: ['en', 'ja'] },
      ],
      'union',
    );
    expect(a.labels).toEqual(['en', 'fr', 'ja']);
    expect(project([0.4, 0.6], a.index.get('y')!, 3)).toEqual([0.4, 0, 0.6]);
  });
});
