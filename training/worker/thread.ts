import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../../runtimes/worker/priority.ts';
import { dutyCyclePauseMs, trainHead } from '../train.ts';
import type { FromTrainingWorker, TrainingWorkerData } from './protocol.ts';

/** Training-thread side: lowers its priority, trains, posts epochs and the result (buffers transferred). */
const port = parentPort!;
const { data, options, cpuShare, nice, idle, stop } = workerData as TrainingWorkerData;
const send = (m: FromTrainingWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const stopFlag = new Int32Array(stop);

// Before TensorFlow.js starts any thread of its own, so that they inherit it: training yields to inference.
lowerThreadPriority(nice, idle);
try {
  const result = await trainHead(data, options, {
    onEpoch: (report) => send({ type: 'epoch', report }),
    shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
    pauseMs: (computeMs) => dutyCyclePauseMs(computeMs, cpuShare),
  });
  send({ type: 'done', result }, [
    result.weights.buffer as ArrayBuffer,
    result.validation.predictions.buffer as ArrayBuffer,
  ]);
} catch (e) {
  const code =
    typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
      ? (e as { code: string }).code
      : 'INTERNAL';
  send({ type: 'error', code, message: e instanceof Error ? e.message : String(e) });
}
