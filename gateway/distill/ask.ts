import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, invalidInput, isGatewayError } from '../../core/errors.ts';
import type { Tensor } from '../../core/tensor.ts';
import type { Scores, Servable } from '../models/servable.ts';
import { cancelled } from '../finetune/lifecycle.ts';
import type { DistillInput } from './inputs.ts';

/** Inputs per request when a model is asked for many (small: an ensemble member's deadline is per request). */
const SLICE = 2;
/** Requests in flight at once (so that batching models still batch). */
const IN_FLIGHT = 2;
/** Tries per request of the teacher: a member that misses its deadline is asked again, after 1, 2, 4 s. */
const ATTEMPTS = 4;
/** Failures that a later try may not meet (a busy machine, a member restarting). */
const TRANSIENT = ['QUORUM_LOST', 'TIMEOUT', 'QUEUE_FULL', 'MODEL_NOT_READY', 'UNAVAILABLE'];

/** The name of a model's one BYTES input, to send files as; INVALID_INPUT when it has another kind. */
function bytesInputOf(model: Servable): string {
  const [input, ...more] = model.inputs;
  if (!input || more.length || input.datatype !== 'BYTES')
    throw invalidInput(`model '${model.name}' does not take one BYTES input: send JSON instances rather than files`);
  return input.name;
}

/**
 * Class scores of `inputs` from `model` through its serving path (scheduler, batcher, an ensemble's vote):
 * JSON instances as `:predict` instances, files as the model's one BYTES input (as over v2). Rows in
 * the order of `inputs`.
 *
 * @example const { labels, scores } = await askScores(ensemble, inputs, signal);
 */
export async function askScores(
  model: Servable,
  inputs: readonly DistillInput[],
  signal?: AbortSignal,
): Promise<Scores> {
  const asInstance = inputs.flatMap((x, i) => (x.bytes === undefined ? [i] : []));
  const asBytes = inputs.flatMap((x, i) => (x.bytes !== undefined ? [i] : []));
  const rows: number[][] = new Array(inputs.length);
  let labels: readonly string[] | undefined;
  const options = signal ? { signal } : {};
  if (asInstance.length) {
    const s = await model.scoreInstances(
      asInstance.map((i) => inputs[i]!.instance),
      options,
    );
    labels = s.labels;
    for (const [k, i] of asInstance.entries()) rows[i] = s.scores[k]!;
  }
  if (asBytes.length) {
    const name = bytesInputOf(model);
    const t: Tensor = { name, datatype: 'BYTES', shape: [asBytes.length], data: asBytes.map((i) => inputs[i]!.bytes!) };
    const s = await model.scoreTensors({ [name]: t }, options);
    labels = s.labels;
    for (const [k, i] of asBytes.entries()) rows[i] = s.scores[k]!;
  }
  return { labels: labels ?? model.labels ?? [], scores: rows };
}

/**
 * The teacher's scores for a few inputs with every member's vote in: an answer that some member missed
 * (its deadline on a busy machine), or a transient failure, is asked again, up to `ATTEMPTS` times; then
 * INFERENCE_FAILED naming the members. Soft labels of a partial ensemble would teach another teacher.
 */
async function askTeacher(teacher: Servable, part: readonly DistillInput[], signal: AbortSignal): Promise<Scores> {
  for (let attempt = 1; ; attempt++) {
    let why: string;
    try {
      const s = await askScores(teacher, part, signal);
      if (!s.missing?.length) return s;
      why = `member${s.missing.length > 1 ? 's' : ''} ${s.missing.join(', ')} did not answer`;
    } catch (e) {
      if (!isGatewayError(e) || !TRANSIENT.includes(e.code)) throw e;
      why = e.message;
    }
    if (attempt >= ATTEMPTS)
      throw new GatewayError(
        'INFERENCE_FAILED',
        `the teacher '${teacher.name}' did not answer for ${part.map((x) => x.name).join(', ')} with all its members in ${ATTEMPTS} tries: ${why}`,
      );
    await sleep(1000 * 2 ** (attempt - 1), undefined, { signal });
  }
}

/**
 * The teacher's probabilities for every input, as rows over `classes` (the teacher's labels): asked a few
 * inputs per request, two requests in flight, so that they batch with — and yield to — live traffic, and
 * no request nears an ensemble member's deadline (one that misses it is asked again: `askTeacher`). `onProgress` hears the inputs done; `signal` cancels
 * between requests.
 */
export async function teacherProbabilities(
  teacher: Servable,
  inputs: readonly DistillInput[],
  classes: readonly string[],
  signal: AbortSignal,
  onProgress: (done: number) => void,
): Promise<Float32Array> {
  const k = classes.length;
  const out = new Float32Array(inputs.length * k);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < inputs.length) {
      if (signal.aborted) throw cancelled();
      const at = next;
      next += SLICE;
      const part = inputs.slice(at, at + SLICE);
      const s = await askTeacher(teacher, part, signal);
      const index = s.labels.map((l) => classes.indexOf(l));
      s.scores.forEach((row, r) => {
        let sum = 0;
        row.forEach((p, c) => {
          if (index[c]! >= 0) {
            out[(at + r) * k + index[c]!] = p;
            sum += p;
          }
        });
        if (!(sum > 0))
          throw new GatewayError('INFERENCE_FAILED', `the teacher gave no probabilities for ${part[r]!.name}`);
        for (let c = 0; c < k; c++) out[(at + r) * k + c]! /= sum;
      });
      done += part.length;
      onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return out;
}
