import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempStore } from '../../test/support/tiny-models.ts';
import { sightVersion, sightVersions } from './fingerprint.ts';

describe('version folder fingerprints', () => {
  it('sees numeric folders only, with their files, READY markers and empty folders', () => {
    const dir = tempStore();
    for (const name of ['1', '2', '.tmp-3', '3.partial', '007', '0']) mkdirSync(join(dir, name));
    writeFileSync(join(dir, '1', 'model.onnx'), 'abc');
    writeFileSync(join(dir, '2', 'model.onnx'), 'abcd');
    writeFileSync(join(dir, '2', 'READY'), '');
    writeFileSync(join(dir, '4'), 'a file, not a folder');
    const seen = sightVersions(dir);
    expect([...seen.keys()].sort()).toEqual([1, 2]);
    expect(seen.get(1)).toMatchObject({
      ready: false,
      empty: false,
      fingerprint: expect.stringMatching(/^model\.onnx:3:/),
    });
    expect(seen.get(2)).toMatchObject({ ready: true, empty: false });
    mkdirSync(join(dir, '5'));
    expect(sightVersions(dir).get(5)).toEqual({ fingerprint: '', ready: false, empty: true });
    expect(sightVersions(join(dir, 'absent')).size).toBe(0);
  });

  it('a change of size or a new file changes the fingerprint; a symlinked folder loop is not followed', () => {
    const dir = tempStore();
    writeFileSync(join(dir, 'model.json'), '{}');
    const a = sightVersion(dir).fingerprint;
    writeFileSync(join(dir, 'model.json'), '{"a":1}');
    const b = sightVersion(dir).fingerprint;
    mkdirSync(join(dir, 'weights'));
    writeFileSync(join(dir, 'weights', 'shard1.bin'), 'x');
    const c = sightVersion(dir).fingerprint;
    expect(new Set([a, b, c]).size).toBe(3);
    expect(c).toMatch(/weights\/shard1\.bin:1:/);
    for (let i = 0; i < 50; i++) symlinkSync(dir, join(dir, `loop${i}`));
    const looped = sightVersion(dir).fingerprint.split('\n');
    expect(looped.filter((l) => l.endsWith(':link'))).toHaveLength(50);
    expect(looped).toHaveLength(52); // the 50 links, model.json, weights/shard1.bin
  });
});
