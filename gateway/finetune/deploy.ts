import { GatewayError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { DEFAULT_LABEL, type ModelRepository } from '../../model-store/repository.ts';
import type { Servable } from '../models/servable.ts';
import type { ExperimentRegistry } from '../experiments/registry.ts';
import type { JobResult } from './job.ts';

/** The label kept on the version a `replace` took over from, for a one-call rollback. */
const PREVIOUS_LABEL = 'previous';
/** The label on a canary or shadow candidate. */
const CANDIDATE_LABEL = 'candidate';

export interface DeployDeps {
  repository: ModelRepository<Servable>;
  experiments: ExperimentRegistry;
}

/**
 * Before a new version of `model` is loaded: pins the version serving now with the `stable` label (when the
 * model has none), so that loading the new version changes nothing until the deploy says so. Returns the
 * default version.
 */
export async function pinDefault(deps: DeployDeps, model: string): Promise<number> {
  const current = deps.repository.defaultVersion(model);
  if (current === undefined)
    throw new GatewayError('MODEL_NOT_READY', `model '${model}' has no loaded version`, { retryAfterS: 1 });
  if (deps.repository.labelsOf(model)[DEFAULT_LABEL] === undefined)
    await deps.repository.setLabel(model, DEFAULT_LABEL, current);
  return current;
}

/**
 * Puts a loaded new version to work: `replace` moves `stable` to it (the hot swap: the next request goes
 * to it, in-flight ones finish on the old one, which keeps the `previous` label); `canary` routes `weight` %
 * of the model's traffic to it through an experiment named after the model; `shadow` sends it a copy of
 * the traffic through one; `none` leaves it reachable by version only.
 */
export async function deploy(
  deps: DeployDeps,
  model: string,
  version: number,
  mode: string,
  weight: number,
  previousDefault: number,
): Promise<NonNullable<JobResult['deploy']>> {
  const { repository, experiments } = deps;
  if (mode === 'replace') {
    await repository.setLabel(model, PREVIOUS_LABEL, previousDefault);
    await repository.setLabel(model, DEFAULT_LABEL, version);
    if (experiments.get(model)) experiments.delete(model); // a canary of an earlier candidate no longer applies
    return { mode, previousDefault };
  }
  if (mode === 'canary' || mode === 'shadow') {
    await repository.setLabel(model, CANDIDATE_LABEL, version);
    startExperiment(deps, model, `fine-tuned version ${version} of ${model} as a ${mode}`, {
      control: { name: DEFAULT_LABEL, target: `${model}@${DEFAULT_LABEL}` },
      candidate: { name: CANDIDATE_LABEL, target: `${model}:${version}` },
      mode,
      weight,
    });
    return { mode, experiment: model, previousDefault, ...(mode === 'canary' ? { weight } : {}) };
  }
  return { mode, previousDefault };
}

/**
 * Starts (or replaces) the experiment `name` that routes the traffic of the model of that name between its
 * `control` and a `candidate`: `canary` gives the candidate `weight` % of it (sticky per key), `shadow` a copy
 * of every request, its agreement with the control's answer recorded. The experiment is checked against the
 * loaded models before it replaces anything (experiments/registry.ts).
 */
export function startExperiment(
  deps: DeployDeps,
  name: string,
  description: string,
  v: {
    control: { name: string; target: string };
    candidate: { name: string; target: string };
    mode: 'canary' | 'shadow';
    weight: number;
  },
): void {
  const variants =
    v.mode === 'canary'
      ? [
          { ...v.control, weight: 100 - v.weight },
          { ...v.candidate, weight: v.weight },
        ]
      : [v.control, { ...v.candidate, shadow: true }];
  deps.experiments.put(name, { description, variants, control: v.control.name });
}

/**
 * Undoes a deploy: `replace` moves `stable` back to the version it replaced; `canary`/`shadow` end the
 * model's experiment, so all its traffic goes to `stable` again.
 */
export async function undeploy(deps: DeployDeps, model: string, d: NonNullable<JobResult['deploy']>): Promise<void> {
  if (d.mode === 'replace' && d.previousDefault !== undefined)
    await deps.repository.setLabel(model, DEFAULT_LABEL, d.previousDefault);
  if ((d.mode === 'canary' || d.mode === 'shadow') && deps.experiments.get(model)) deps.experiments.delete(model);
  log.info('fine-tuned version rolled back', { model, mode: d.mode, default: deps.repository.defaultVersion(model) });
}
