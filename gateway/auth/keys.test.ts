import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRing, readApiKeys } from './keys.ts';

const ADMIN = 'admin-key-0123456789abcdef';
const INFER = 'infer-key-0123456789abcdef';

describe('API keys', () => {
  it('reads role:key pairs from the environment and keeps only their digests', () => {
    const keys = readApiKeys(`admin:${ADMIN}, infer:${INFER}`, undefined);
    expect(keys.map((k) => k.role)).toEqual(['admin', 'infer']);
    expect(JSON.stringify(keys)).not.toContain('0123456789abcdef');
    const ring = new KeyRing(keys);
    expect(ring.find(ADMIN)?.role).toBe('admin');
    expect(ring.find(INFER)?.role).toBe('infer');
    expect(ring.find(`${INFER}x`)).toBeUndefined();
    expect(ring.find('')).toBeUndefined();
  });

  it('reads a file of lines with comments, or JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'massgate-keys-'));
    writeFileSync(join(dir, 'keys.txt'), `# team keys\nadmin:${ADMIN}\n\ninfer:${INFER}\n`);
    writeFileSync(join(dir, 'keys.json'), JSON.stringify([{ role: 'infer', key: INFER }]));
    expect(readApiKeys(undefined, join(dir, 'keys.txt')).map((k) => k.role)).toEqual(['admin', 'infer']);
    expect(new KeyRing(readApiKeys(undefined, join(dir, 'keys.json'))).find(INFER)?.role).toBe('infer');
  });

  it('refuses unknown roles, short keys, a key with two roles and unreadable files, without quoting a key', () => {
    const attempts = [
      () => readApiKeys(`root:${ADMIN}`, undefined),
      () => readApiKeys('admin:short', undefined),
      () => readApiKeys(`admin${ADMIN}`, undefined),
      () => readApiKeys(`admin:${ADMIN},infer:${ADMIN}`, undefined),
      () => readApiKeys(undefined, '/nonexistent/keys'),
    ];
    for (const attempt of attempts) {
      let message = '';
      try {
        attempt();
      } catch (e) {
        expect((e as { code: string }).code).toBe('CONFIG_INVALID');
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('0123456789abcdef');
    }
  });
});
