import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempStore } from '../test/support/tiny-models.ts';
import { sha256File, verifyVersion } from './checksum.ts';
import { ModelConfigSchema } from './schema.ts';
import { scanModel } from './scan.ts';

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function storeWith(bytes: Uint8Array, config: unknown, versions = [1]): string {
  const store = tempStore();
  for (const v of versions) {
    mkdirSync(join(store, 'm', String(v)), { recursive: true });
    writeFileSync(join(store, 'm', String(v), 'model.onnx'), bytes);
  }
  writeFileSync(join(store, 'm', 'config.json'), JSON.stringify(config));
  return store;
}

describe('sha256 of model files', () => {
  it('streams a file larger than one read chunk to the same digest as hashing it whole', async () => {
    const bytes = randomBytes(300_000);
    const store = storeWith(bytes, {});
    expect(await sha256File(join(store, 'm', '1', 'model.onnx'))).toBe(hex(bytes));
  });

  it('passes a matching digest (any case), per version or for all', async () => {
    const bytes = randomBytes(100);
    for (const sha256 of [hex(bytes).toUpperCase(), { 1: hex(bytes) }]) {
      const entry = scanModel(storeWith(bytes, { sha256 }), 'm');
      await expect(verifyVersion(entry, entry.versions[0]!)).resolves.toBeUndefined();
    }
  });

  it('fails a mismatch with MODEL_LOAD_FAILED naming the file relative to the store', async () => {
    const entry = scanModel(storeWith(randomBytes(100), { sha256: '0'.repeat(64) }), 'm');
    await expect(verifyVersion(entry, entry.versions[0]!)).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: expect.stringMatching(
        /^model 'm': m\/1\/model\.onnx has sha256 [0-9a-f]{64}, config\.json expects 0{64}$/,
      ),
    });
  });

  it('fails a version missing from a per-version map (CONFIG_INVALID)', async () => {
    const bytes = randomBytes(100);
    const entry = scanModel(storeWith(bytes, { sha256: { 1: hex(bytes) } }, [1, 2]), 'm');
    await expect(verifyVersion(entry, entry.versions.find((v) => v.version === 2)!)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/none for version 2/),
    });
  });

  it('rejects malformed digests and keys in config.json', () => {
    for (const sha256 of ['abc', 'g'.repeat(64), { x: '0'.repeat(64) }, { 0: '0'.repeat(64) }, 5]) {
      expect(ModelConfigSchema.safeParse({ sha256 }).success, JSON.stringify(sha256)).toBe(false);
    }
  });
});
