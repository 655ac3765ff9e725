import { describe, expect, it } from 'vitest';
import { modernLanguageCode } from './language-codes.ts';

describe('language codes', () => {
  it.each([
    ['iw', 'he'],
    ['in', 'id'],
    ['ji', 'yi'],
    ['jw', 'jv'],
    ['mo', 'ro'],
    ['iw-Latn', 'he-Latn'],
    ['he', 'he'],
    ['zh-Latn', 'zh-Latn'],
    ['fil', 'fil'],
  ])('%s is %s today', (legacy, modern) => expect(modernLanguageCode(legacy)).toBe(modern));
});
