import type { Servable } from '../models/servable.ts';

/** Model metadata as the Open Inference Protocol defines it, with Massgate's details under `parameters`. */
export function modelMetadata(model: Servable, versions: readonly number[]) {
  return {
    name: model.name,
    versions: versions.map(String),
    platform: model.platform,
    inputs: model.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    outputs: model.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    parameters: model.describe(),
  };
}
