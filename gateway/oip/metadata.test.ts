import { describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../model-store/schema.ts';
import type { Servable } from '../models/servable.ts';
import { modelMetadata } from './metadata.ts';

const model = {
  name: 'm',
  version: 2,
  platform: 'onnxruntime_onnx',
  config: ModelConfigSchema.parse({}),
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
  describe: () => ({ provider: 'cpu' }),
} as const satisfies Partial<Servable>;

describe('model metadata', () => {
  it('describes the model as the Open Inference Protocol does, its details under parameters', () => {
    expect(modelMetadata(model as unknown as Servable, [1, 2])).toEqual({
      name: 'm',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
      parameters: { provider: 'cpu' },
    });
  });

  it('adds the version labels only when the model has some', () => {
    expect(modelMetadata(model as unknown as Servable, [2], { stable: 2 }).parameters).toEqual({
      provider: 'cpu',
      version_labels: { stable: 2 },
    });
  });
});
