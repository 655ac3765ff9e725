import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempStore } from '../test/support/tiny-models.ts';
import {
  checkVersionLabel,
  isVersionLabel,
  LABELS_FILE,
  parseVersionLabels,
  readVersionLabels,
  writeVersionLabels,
} from './labels.ts';

describe('version labels', () => {
  it('are a letter, then letters, digits, _ . - (never a version number)', () => {
    for (const ok of ['stable', 'canary', 'blue-2', 'v1.2_b']) expect(isVersionLabel(ok), ok).toBe(true);
    for (const bad of ['1', '2a', '', '-x', 'a b', 'a/b', 'x'.repeat(200), 7, null])
      expect(isVersionLabel(bad), String(bad)).toBe(false);
    expect(checkVersionLabel('canary')).toBe('canary');
    expect(() => checkVersionLabel('../x')).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
  });

  it('parse from a {label: version} object, refusing anything else with where it came from', () => {
    expect(parseVersionLabels({ stable: 1, canary: '2' }, 'here')).toEqual({ stable: 1, canary: 2 });
    for (const bad of [[], null, 'stable', { stable: 0 }, { stable: 'x' }, { '1': 1 }]) {
      expect(() => parseVersionLabels(bad, 'model m: config.json'), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/^model m: config.json: /) }),
      );
    }
  });

  it('are read from the labels file when one was written, else from the config', () => {
    const dir = tempStore();
    expect(readVersionLabels(dir, { stable: 1 }, 'm')).toEqual({ stable: 1 });
    expect(readVersionLabels(dir, undefined, 'm')).toEqual({});
    writeVersionLabels(dir, { stable: 2, canary: 3 });
    expect(JSON.parse(readFileSync(join(dir, LABELS_FILE), 'utf8'))).toEqual({ stable: 2, canary: 3 });
    expect(readdirSync(dir)).toEqual([LABELS_FILE]); // written atomically: no temporary file left
    expect(readVersionLabels(dir, { stable: 1 }, 'm')).toEqual({ stable: 2, canary: 3 });
  });

  it('refuse a labels file that is not valid JSON', () => {
    const dir = tempStore();
    writeFileSync(join(dir, LABELS_FILE), '{');
    expect(() => readVersionLabels(dir, undefined, 'm')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/not valid JSON/) }),
    );
    expect(existsSync(join(dir, LABELS_FILE))).toBe(true);
  });
});
