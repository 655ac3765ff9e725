import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempStore } from '../test/support/tiny-models.ts';
import { repeatStep } from '../test/support/repeat-step.ts';
import { loadPlugins, validatePlugin } from './registry.ts';
import { runtimeNames } from '../runtimes/registry.ts';
import { definePlugin, type ModelPlugin, type WorkerStep } from './plugin.ts';

const base = definePlugin<number[]>({
  name: 'stepper',
  modality: 'tensor',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
  parseInstance: (i) => i as number[],
  fromTensors: () => [],
  preprocess: async () => ({}),
  postprocess: () => [],
  step: repeatStep as unknown as WorkerStep,
});

/** An external plugin module (a file outside plugins/) declaring `step` as written in `decl`. */
function pluginFile(decl: string): string {
  const file = join(tempStore(), 'plugin.ts');
  const url = (p: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, p)).href);
  writeFileSync(
    file,
    `import { repeatStep } from ${url('../test/support/repeat-step.ts')};
export const stepper = { name: 'stepper', modality: 'tensor', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
  parseInstance: (i) => i, fromTensors: () => [], preprocess: async () => ({}), postprocess: () => [], step: ${decl} };`,
  );
  return file;
}

describe('a plugin with a worker step, at start-up', () => {
  it('is accepted when its module and export lead to the step', async () => {
    expect(() => validatePlugin(base, 'test', [])).not.toThrow();
    expect((await loadPlugins([pluginFile('repeatStep')], runtimeNames())).get('stepper').step).toBe(repeatStep);
  });

  it('is refused, naming the plugin, when the export name does not lead to the step', async () => {
    await expect(loadPlugins([pluginFile("{ ...repeatStep, export: 'other' }")], runtimeNames())).rejects.toMatchObject(
      {
        code: 'PLUGIN_INVALID',
        message: expect.stringMatching(/plugin 'stepper': .* exports no worker step named 'other'/),
      },
    );
  });

  it('is refused without a module URL, without declared tensors, or beside fine-tuning', () => {
    const bad =
      (step: object, extra: object = {}) =>
      () =>
        validatePlugin({ ...base, step: { ...repeatStep, ...step }, ...extra } as ModelPlugin, 'test', []);
    expect(bad({ module: './x.ts' })).toThrow(/needs 'module'/);
    expect(bad({ outputs: [] })).toThrow(/must declare its inputs and outputs/);
    expect(bad({}, { finetune: { augmentations: [], fromFile: () => [], check: async () => {} } })).toThrow(
      /rules out fine-tuning/,
    );
  });
});
