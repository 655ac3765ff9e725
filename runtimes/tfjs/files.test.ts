import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readArtifacts } from './files.ts';

function modelDir(paths: string[]): string {
  const base = mkdtempSync(join(tmpdir(), 'massgate-tfjs-'));
  writeFileSync(join(base, 'secret.bin'), new Uint8Array([9, 9, 9, 9]));
  const dir = join(base, 'model');
  mkdirSync(dir);
  writeFileSync(join(dir, 'shard.bin'), new Uint8Array([1, 2, 3, 4]));
  symlinkSync(join(base, 'secret.bin'), join(dir, 'linked.bin'));
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths, weights: [] }] }),
  );
  return dir;
}

describe('TensorFlow.js weights files', () => {
  it('reads shards inside the model folder', () => {
    expect(readArtifacts(modelDir(['shard.bin'])).artifacts.weightData).toHaveProperty('byteLength', 4);
  });

  it('refuses shard paths that leave the model folder, by .. or by symlink', () => {
    for (const p of ['../secret.bin', 'linked.bin', '/etc/hostname']) {
      expect(() => readArtifacts(modelDir([p])), p).toThrow(/outside the model folder/);
    }
  });
});
