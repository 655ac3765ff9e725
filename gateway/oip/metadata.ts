import type { Servable } from '../models/servable.ts';

/**
 * Model metadata as the Open Inference Protocol defines it, with Massgate's details under `parameters`
 * (the model's version labels as `parameters.version_labels`, when it has any).
 */
export function modelMetadata(
  model: Servable,
  versions: readonly number[],
  labels: Readonly<Record<string, number>> = {},
) {
  const described = model.describe();
  return {
    name: model.name,
    versions: versions.map(String),
    platform: model.platform,
    inputs: model.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    outputs: model.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    parameters: Object.keys(labels).length ? { ...described, version_labels: labels } : described,
  };
}
