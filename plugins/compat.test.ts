import { describe, expect, it } from 'vitest';
import { checkMassgateRange } from './compat.ts';
import { PACKAGE_VERSION } from '../core/package-root.ts';

describe('checkMassgateRange', () => {
  it('passes a range the version satisfies, and no declaration at all', () => {
    for (const range of ['^0.1.0', '>=0.1 <1', '0.x', '~0.1.0', '*', '0.1.x || ^1.0.0'])
      expect(() => checkMassgateRange(range, 'p', '0.1.3'), range).not.toThrow();
    expect(() => checkMassgateRange(undefined, 'p', '0.1.3')).not.toThrow();
    // The gateway's own version satisfies the range the examples declare.
    expect(() => checkMassgateRange('^0.1.0', 'p')).not.toThrow();
    expect(PACKAGE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a version outside the range, naming the plugin, the range and the version', () => {
    for (const [range, version] of [
      ['^0.1.0', '0.2.0'],
      ['>=1', '0.9.9'],
      ['^1.2.0', '1.1.9'],
      ['<0.1', '0.1.0'],
    ] as const) {
      expect(() => checkMassgateRange(range, "plugin 'x' (./x)", version)).toThrow(
        expect.objectContaining({
          code: 'PLUGIN_INVALID',
          message: `plugin 'x' (./x) needs massgate ${range}; this gateway is ${version}`,
        }),
      );
    }
  });

  it('refuses a declaration that is not a range', () => {
    for (const range of ['not a range', '', ' ', 'latest', 42, { min: 1 }]) {
      expect(() => checkMassgateRange(range, 'p', '0.1.0'), String(range)).toThrow(/not a semver range/);
    }
  });
});
