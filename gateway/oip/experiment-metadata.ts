import type { ModelRepository } from '../../model-store/repository.ts';
import type { Experiment } from '../experiments/experiment.ts';
import type { ExperimentRegistry } from '../experiments/registry.ts';
import { definitionJson } from '../experiments/definition.ts';
import type { Servable } from '../models/servable.ts';
import { modelMetadata } from './metadata.ts';

/**
 * An experiment's model metadata: its control variant's (inputs, outputs, labels), under the
 * experiment's name, with the experiment (mode, control, variants) in `parameters.experiment`.
 */
export function experimentMetadata(
  exp: Experiment,
  registry: ExperimentRegistry,
  repository: ModelRepository<Servable>,
) {
  const control = registry.resolve(exp.control);
  const meta = modelMetadata(control, [control.version], repository.labelsOf(control.name));
  return {
    ...meta,
    name: exp.name,
    parameters: { ...meta.parameters, experiment: { name: exp.name, ...definitionJson(exp.definition) } },
  };
}
