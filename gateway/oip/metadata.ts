import type { ServedModel } from '../models/served-model.ts';

const PLATFORMS: Record<string, string> = { onnx: 'onnxruntime_onnx', tfjs: 'tensorflowjs' };

/** Model metadata as the Open Inference Protocol defines it, with Massgate's details under `parameters`. */
export function modelMetadata(model: ServedModel, versions: readonly number[]) {
  const c = model.config;
  return {
    name: model.name,
    versions: versions.map(String),
    platform: PLATFORMS[model.runtime] ?? model.runtime,
    inputs: model.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    outputs: model.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    parameters: {
      version: String(model.version),
      runtime: model.runtime,
      provider: model.provider,
      instances: model.stats().instances,
      ...(c.description ? { description: c.description } : {}),
      ...(model.plugin ? { plugin: model.plugin.name, modality: model.plugin.modality, model_inputs: model.modelInputs } : {}),
      ...(model.plugin?.example !== undefined ? { example: { instances: [model.plugin.example] } } : {}),
      ...(model.labels ? { labels: model.labels.length <= 1000 ? model.labels : `${model.labels.length} labels` } : {}),
      ...(c.license ? { license: c.license } : {}),
      ...(model.source.source ? { source: model.source.source } : {}),
    },
  };
}
