import { describe, expect, it } from 'vitest';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaleSumModel, tempStore, writeModel } from '../test/support/tiny-models.ts';
import { featureOutput } from './finetune.ts';
import { scanModel } from './scan.ts';

const finetuned = {
  base: { model: 'm', version: 1 },
  job: 'job-1',
  createdAt: '2025-01-01T00:00:00Z',
  scores: { accuracy: 0.95, baseAccuracy: null },
  classes: ['document', 'photo'],
  options: { epochs: 5 },
};

/** A store with `m` version 1 (plain) and version 2 holding `config` (and a head file at head/model.json). */
function store(
  config: unknown,
  modelConfig: unknown = { labels: ['a', 'b', 'c'], finetune: { feature: 'h' } },
): string {
  const s = tempStore();
  writeModel(s, 'm', 1, scaleSumModel(), modelConfig);
  writeModel(s, 'm', 2, scaleSumModel());
  mkdirSync(join(s, 'm', '2', 'head'));
  writeFileSync(join(s, 'm', '2', 'head', 'model.json'), '{}');
  writeFileSync(join(s, 'm', '2', 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return s;
}

describe('per-version config.json', () => {
  it('is parsed into the version entry, with the head resolved to its real path; other versions have none', () => {
    const s = store({
      description: 'fine-tuned',
      labels: ['document', 'photo'],
      params: { topK: 1 },
      head: { path: 'head/model.json', feature: 'h' },
      finetuned,
    });
    const entry = scanModel(s, 'm');
    const [v2, v1] = entry.versions;
    expect(v2!.version).toBe(2);
    expect(v2!.config).toEqual({
      description: 'fine-tuned',
      labels: ['document', 'photo'],
      params: { topK: 1 },
      head: { path: 'head/model.json', feature: 'h' },
      finetuned,
    });
    expect(v2!.head).toEqual({ path: realpathSync(join(s, 'm', '2', 'head', 'model.json')), feature: 'h' });
    expect(v1!.config).toBeUndefined();
    expect(v1!.head).toBeUndefined();
    expect(featureOutput(entry)).toBe('h');
    expect(featureOutput(entry.config, v1)).toBe('h');
  });

  it("gives the version head's feature as the feature output, else the model's finetune.feature, else none", () => {
    const entry = scanModel(store({ head: { path: 'head/model.json', feature: 'x' } }, {}), 'm');
    expect(featureOutput(entry, entry.versions[0])).toBe('x');
    expect(featureOutput(entry, entry.versions[1])).toBeUndefined();
  });

  it.each([
    ['an unknown field', { labels: ['a', 'b'], extra: 1 }, /m\/2\/config\.json: \(root\): Unrecognized key.*extra/],
    ['one label', { labels: ['a'] }, /m\/2\/config\.json: labels:/],
    ['a head without its feature', { head: { path: 'head/model.json' } }, /m\/2\/config\.json: head\.feature:/],
    [
      'an absolute head path',
      { head: { path: '/etc/passwd', feature: 'h' } },
      /m\/2\/config\.json: head\.path: a path relative/,
    ],
    [
      'a finetuned block without its job',
      { finetuned: { ...finetuned, job: undefined } },
      /m\/2\/config\.json: finetuned\.job:/,
    ],
    [
      'a bad base model name',
      { finetuned: { ...finetuned, base: { model: '../x', version: 1 } } },
      /finetuned\.base\.model/,
    ],
    ['not JSON', '{"labels": [', /m\/2\/config\.json is not valid JSON/],
  ])('refuses %s with CONFIG_INVALID naming model/version/config.json', (_, config, message) => {
    const s = store(config);
    expect(() => scanModel(s, 'm')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(message) }),
    );
  });

  it('refuses a head path that leaves the version folder through .. or a symlink, or is missing', () => {
    const dotdot = store({ head: { path: '../1/model.onnx', feature: 'h' } });
    expect(() => scanModel(dotdot, 'm')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/m\/2\/config\.json: head .*outside the version folder/),
      }),
    );
    const linked = store({ head: { path: 'head/link.json', feature: 'h' } });
    symlinkSync(join(linked, 'm', '1', 'model.onnx'), join(linked, 'm', '2', 'head', 'link.json'));
    expect(() => scanModel(linked, 'm')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/m\/2\/config\.json: head .*outside the version folder/),
      }),
    );
    const missing = store({ head: { path: 'head/none.json', feature: 'h' } });
    expect(() => scanModel(missing, 'm')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/m\/2\/config\.json: head m\/2\/head\/none\.json not found/),
      }),
    );
    const folder = store({ head: { path: 'head', feature: 'h' } });
    expect(() => scanModel(folder, 'm')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/is not a file/) }),
    );
  });

  it("refuses an unknown field in the model config's finetune block", () => {
    const s = store({}, { finetune: { feature: 'h', layers: 2 } });
    expect(() => scanModel(s, 'm')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/finetune/) }),
    );
  });
});
