import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempStore } from '../../test/support/tiny-models.ts';
import { publishModel, publishVersion, removeStaging } from './publish.ts';

const files = {
  head: { modelJson: { format: 'layers-model' }, weights: Uint8Array.of(1, 2, 3) },
  versionConfig: { labels: ['a', 'b'], head: { path: 'head/model.json', feature: 'f' } },
  report: { ok: true },
  curvesSvg: '<svg/>',
};

describe('publishing trained versions and models', () => {
  it('a version: the base files copied (not its own head), the next number, no staging left', () => {
    const store = tempStore();
    const model = join(store, 'm');
    mkdirSync(join(model, '1', 'head'), { recursive: true });
    writeFileSync(join(model, '1', 'source.json'), '{}');
    writeFileSync(join(model, '1', 'head', 'model.json'), 'old head');
    const version = publishVersion({ ...files, modelDir: model, baseDir: join(model, '1'), job: 'j1' });
    expect(version).toBe(2);
    expect(readdirSync(join(model, '2')).sort()).toEqual([
      'config.json',
      'curves.svg',
      'head',
      'report.json',
      'source.json',
    ]);
    expect(readFileSync(join(model, '2', 'head', 'model.json'), 'utf8')).toBe('{"format":"layers-model"}');
    expect(readdirSync(model).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a new model: config.json and version 1 with the files given, renamed into place; a taken name is CONFLICT', () => {
    const store = tempStore();
    const at = publishModel({
      ...files,
      store,
      name: 'student',
      job: 'j2',
      modelConfig: { runtime: 'ngram' },
      baseFiles: { 'model.json': '{"format":"char-ngram"}' },
    });
    expect(at).toBe(join(store, 'student'));
    expect(JSON.parse(readFileSync(join(at, 'config.json'), 'utf8'))).toEqual({ runtime: 'ngram' });
    expect(readFileSync(join(at, '1', 'model.json'), 'utf8')).toBe('{"format":"char-ngram"}');
    expect(existsSync(join(at, '1', 'head', 'weights.bin'))).toBe(true);
    expect(() => publishModel({ ...files, store, name: 'student', job: 'j3', modelConfig: {}, baseFiles: {} })).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }),
    );
    expect(readdirSync(store).sort()).toEqual(['student']); // no staging folder left behind
  });

  it('removes staging folders a stopped gateway left in a model folder or the store', () => {
    const store = tempStore();
    for (const f of ['.finetune-x', '.publish-y', '.keep', 'm']) mkdirSync(join(store, f));
    removeStaging(store);
    expect(readdirSync(store).sort()).toEqual(['.keep', 'm']);
  });
});
