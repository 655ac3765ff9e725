import { Worker } from 'node:worker_threads';
import { ERROR_CODES, GatewayError, invalidInput, type ErrorCode } from '../../core/errors.ts';
import { checkTrainInput } from '../check.ts';
import type { EpochReport, TrainData, TrainOptions, TrainResult } from '../types.ts';
import type { FromTrainingWorker, TrainingWorkerData } from './protocol.ts';
import { workerEntry } from '../../core/compiled.ts';

const THREAD = workerEntry(import.meta.url);
/** How long a cancelled worker has to stop by itself before it is terminated. */
const CANCEL_GRACE_MS = 3000;

/** How a training run shares the machine with serving. */
interface TrainingRun {
  /** 0.05..1: share of one core the training thread may use (a duty cycle: compute t ms, sleep t·(1/share − 1) ms). */
  cpuShare: number;
  /** 0..19: the training thread's nice value (Linux). */
  nice: number;
  /**
   * Linux's SCHED_IDLE policy for the training thread (default true): it runs only when no normal
   * thread wants the CPU. Inference workers run SCHED_IDLE by default (WORKER_SCHED_IDLE), and a
   * SCHED_OTHER thread, even at nice 19, would preempt them; in the same class the CPU share decides.
   */
  idle?: boolean;
  /**
   * V8 heap limit of the training thread in MiB (resourceLimits.maxOldGenerationSizeMb); beyond it the run ends
   * INTERNAL. Unset = V8's default.
   */
  maxHeapMb?: number;
  onEpoch?(r: EpochReport): void;
}

/** A training run in progress. */
interface TrainingHandle {
  /**
   * Settles after the training thread has exited. Rejects with CANCELLED, INVALID_INPUT, NOT_TRAINABLE, or INTERNAL for
   * a crash.
   */
  result: Promise<TrainResult>;
  /**
   * Asks the run to stop after its current batch (terminated if it has not within a few seconds); `result` rejects with
   * CANCELLED.
   */
  cancel(): void;
}

let live = 0;

/** Training threads currently running in this process (for health and metrics; tests check none leak). */
export function activeTrainingWorkers(): number {
  return live;
}

/**
 * A copy of `a` in shared memory: handed to training threads as it is (neither copied nor detached), so that
 * several runs — the trials of a search — train on one copy of the features.
 *
 * @example const features = sharedCopy(trainFeatures); startTraining({ ...data, features }, …); // still usable here
 */
export function sharedCopy(a: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/**
 * The buffers to move to the thread: whole, unshared ArrayBuffers only; a view into a larger buffer is copied
 * instead, and shared memory is passed as it is.
 */
function movable(data: TrainData): { data: TrainData; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  const own = (a: Float32Array): Float32Array => {
    if (typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer) return a;
    if (
      a.buffer instanceof ArrayBuffer &&
      a.byteOffset === 0 &&
      a.byteLength === a.buffer.byteLength &&
      !transfer.has(a.buffer)
    ) {
      transfer.add(a.buffer);
      return a;
    }
    return a.slice();
  };
  const features = own(data.features);
  const validation = { features: own(data.validation.features), labels: data.validation.labels };
  return { data: { ...data, features, validation }, transfer: [...transfer] };
}

/**
 * Trains a head (see `trainHead`) in a worker thread at lower priority and a bounded CPU share, never
 * on the caller's thread. The feature buffers are transferred, not copied: `data.features` and
 * `data.validation.features` are detached (empty) in the caller afterwards — unless they are in shared
 * memory (`sharedCopy`), which the thread reads in place. The thread is unref'd
 * (it does not keep the process alive) and always ends with the run; `result` settles once it has.
 *
 * @example
 * const job = startTraining(data, options, { cpuShare: 0.5, nice: 19, onEpoch: (r) => progress(r) });
 * onDelete(() => job.cancel());
 * const { modelJson, weights } = await job.result;
 */
export function startTraining(data: TrainData, options: TrainOptions, run: TrainingRun): TrainingHandle {
  try {
    checkTrainInput(data, options);
    if (!(run.cpuShare >= 0.05 && run.cpuShare <= 1))
      throw invalidInput(`cpuShare must be in 0.05..1, got ${run.cpuShare}`);
    if (!(Number.isInteger(run.nice) && run.nice >= 0 && run.nice <= 19))
      throw invalidInput(`nice must be an integer in 0..19, got ${run.nice}`);
  } catch (e) {
    return { result: Promise.reject(e), cancel: () => undefined };
  }
  const stop = new SharedArrayBuffer(4);
  const moved = movable(data);
  const workerData: TrainingWorkerData = {
    data: moved.data,
    options,
    cpuShare: run.cpuShare,
    nice: run.nice,
    idle: run.idle ?? true,
    stop,
  };
  const resourceLimits = run.maxHeapMb ? { maxOldGenerationSizeMb: run.maxHeapMb } : undefined;
  const worker = new Worker(THREAD, { workerData, transferList: moved.transfer, resourceLimits });
  worker.unref();
  live++;

  let outcome: { result: TrainResult } | { error: GatewayError } | undefined;
  let cancelled = false;
  let grace: NodeJS.Timeout | undefined;
  const result = new Promise<TrainResult>((resolve, reject) => {
    worker.on('message', (m: FromTrainingWorker) => {
      if (m.type === 'epoch') {
        if (!outcome && !cancelled) {
          try {
            run.onEpoch?.(m.report);
          } catch {
            /* a listener's error is not the run's */
          }
        }
        return;
      }
      if (outcome) return;
      if (m.type === 'done') outcome = { result: m.result };
      else {
        const code = (ERROR_CODES as readonly string[]).includes(m.code) ? (m.code as ErrorCode) : 'INTERNAL';
        outcome = { error: new GatewayError(code, m.message) };
      }
      void worker.terminate();
    });
    // An uncaught error is followed by 'exit': the first outcome counts.
    worker.on('error', (e) => {
      outcome ??= { error: new GatewayError('INTERNAL', `training worker crashed: ${e.message}`, { cause: e }) };
    });
    worker.on('exit', (code) => {
      live--;
      clearTimeout(grace);
      // Once cancelled, the run ends CANCELLED even if its last batch finished meanwhile.
      if (cancelled) outcome = { error: new GatewayError('CANCELLED', 'the job was cancelled') };
      outcome ??= { error: new GatewayError('INTERNAL', `training worker crashed: it exited with code ${code}`) };
      if ('result' in outcome) resolve(outcome.result);
      else reject(outcome.error);
    });
  });

  return {
    result,
    cancel() {
      if (cancelled || outcome) return;
      cancelled = true;
      Atomics.store(new Int32Array(stop), 0, 1);
      grace = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
      grace.unref();
    },
  };
}
