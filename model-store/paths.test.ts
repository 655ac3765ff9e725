import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInside } from '../core/paths.ts';
import { realInside, scrubPaths } from './paths.ts';

describe('scrubPaths', () => {
  const roots = ['/srv/models'];

  it('shows store paths relative to the store', () => {
    expect(scrubPaths('Load model from /srv/models/m/2/model.onnx failed:Protobuf parsing failed.', roots)).toBe(
      'Load model from m/2/model.onnx failed:Protobuf parsing failed.',
    );
    expect(scrubPaths("cannot open '/srv/models/m/config.json'", roots)).toBe("cannot open 'm/config.json'");
  });

  it('shows package paths as package:path, scoped packages included', () => {
    expect(scrubPaths('no file /work/app/node_modules/nsfwjs/dist/models/x/model.min.js here', roots)).toBe(
      'no file nsfwjs:dist/models/x/model.min.js here',
    );
    expect(scrubPaths('(/a/node_modules/@scope/pkg/assets/k.txt)', roots)).toBe('(@scope/pkg:assets/k.txt)');
  });

  it('keeps only the last segment of any other absolute path, and a sentence full stop', () => {
    expect(scrubPaths('ENOENT: no such file, open /home/alice/secret/weights.bin.', roots)).toBe(
      'ENOENT: no such file, open …/weights.bin.',
    );
  });

  it('leaves fractions, units, URLs and relative paths alone', () => {
    const text = 'ratio 1/2, 3 ms/s, see https://example.com/a/b and m/1/model.onnx';
    expect(scrubPaths(text, roots)).toBe(text);
  });
});

describe('realInside', () => {
  it('follows symlinks and refuses what leaves the root, naming the path as shown', () => {
    const base = mkdtempSync(join(tmpdir(), 'massgate-paths-'));
    mkdirSync(join(base, 'root', 'in'), { recursive: true });
    writeFileSync(join(base, 'secret'), 'x');
    writeFileSync(join(base, 'root', 'in', 'ok'), 'x');
    symlinkSync(join(base, 'secret'), join(base, 'root', 'in', 'out'));
    symlinkSync(join(base, 'root', 'in', 'ok'), join(base, 'root', 'alias'));
    const root = join(base, 'root');
    expect(realInside(root, join(root, 'alias'), 'alias', 'm')).toBe(join(root, 'in', 'ok'));
    expect(() => realInside(root, join(root, 'in', 'out'), 'in/out', 'm')).toThrow(
      /m: in\/out resolves outside the model store/,
    );
    expect(() => realInside(root, join(root, '..', 'secret'), '../secret', 'm')).toThrow(/resolves outside/);
    expect(() => realInside(root, join(root, 'missing'), 'missing', 'm')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: 'm: missing not found' }),
    );
  });

  it('isInside compares whole segments', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
  });
});
