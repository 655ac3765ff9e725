import { describe, expect, it } from 'vitest';
import { checkModelName, checkVersion, isModelName, MAX_NAME_LENGTH, MAX_VERSION, parseVersion } from './names.ts';

describe('model names', () => {
  it('accepts letters, digits, _ . - starting with a letter or digit, up to the length limit', () => {
    for (const n of ['a', 'resnet-50', 'lang_lande', 'v1.2', '0model', 'A'.repeat(MAX_NAME_LENGTH)])
      expect(isModelName(n), n).toBe(true);
  });

  it('refuses traversal, separators, dots, empty, too long and non-ASCII names with INVALID_NAME', () => {
    for (const n of [
      '',
      '.',
      '..',
      '-x',
      '_x',
      '.hidden',
      '/etc/passwd',
      '../x',
      'a/b',
      'a\\b',
      'a b',
      'a\0b',
      'é',
      'a:1',
      'a@1',
      'A'.repeat(MAX_NAME_LENGTH + 1),
      'x'.repeat(8192),
    ]) {
      expect(isModelName(n), JSON.stringify(n)).toBe(false);
      expect(() => checkModelName(n)).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
    }
    expect(isModelName(42)).toBe(false);
  });

  it('does not echo an 8 KB name in full', () => {
    try {
      checkModelName('-'.repeat(8192));
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(300);
    }
    expect.assertions(1);
  });
});

describe('versions', () => {
  it('are positive integers up to MAX_VERSION, as strings or numbers', () => {
    expect(parseVersion('1')).toBe(1);
    expect(parseVersion(String(MAX_VERSION))).toBe(MAX_VERSION);
    expect(parseVersion(7)).toBe(7);
    expect(checkVersion('12')).toBe(12);
  });

  it('refuses zero, signs, fractions, leading zeros, exponents and overflow', () => {
    for (const v of [
      '0',
      '-1',
      '+1',
      '1.5',
      '01',
      '1e3',
      ' 1',
      '',
      'abc',
      String(MAX_VERSION + 1),
      '99999999999999999999',
      0,
      1.5,
      Infinity,
      NaN,
    ]) {
      expect(parseVersion(v), String(v)).toBeUndefined();
      expect(() => checkVersion(v)).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
    }
  });
});
