import { parentPort, workerData } from 'node:worker_threads';
import type { Tensor } from '../../core/tensor.ts';
import { getRuntime, registerRuntime } from '../registry.ts';
import type { Runtime, RuntimeSession } from '../runtime.ts';
import type { FromWorker, ToWorker, WorkerData } from './protocol.ts';
import { transferable } from './transfer.ts';
import { lowerThreadPriority } from './priority.ts';
import { importStep, type StepContext, type WorkerStep } from './step.ts';

/** Worker-thread side of a model instance: loads one session and runs it on request. */
const port = parentPort!;
const data = workerData as WorkerData;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

function errorOf(e: unknown): { code: string; message: string } {
  const code =
    typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
      ? (e as { code: string }).code
      : 'INFERENCE_FAILED';
  return { code, message: e instanceof Error ? e.message : String(e) };
}

let session: RuntimeSession | undefined;
let step: { step: WorkerStep; ctx: Omit<StepContext, 'signal'> } | undefined;
/** Step runs in progress, to cancel. */
const running = new Map<number, AbortController>();
const cancelled = () =>
  Object.assign(new Error('the request was given up (deadline passed or client gone)'), { code: 'CANCELLED' });

port.on('message', async (msg: ToWorker) => {
  if (msg.type === 'cancel') return void running.get(msg.id)?.abort();
  if (msg.type === 'dispose') {
    await session?.dispose();
    session = undefined;
    send({ type: 'result', id: msg.id, outputs: {} });
    return;
  }
  try {
    if (!session) throw Object.assign(new Error('the model instance is not loaded'), { code: 'MODEL_NOT_READY' });
    let outputs: Record<string, Tensor>;
    const t0 = performance.now();
    if (msg.type === 'step') {
      if (!step) throw new Error('this model instance has no worker step');
      const { ctx } = step;
      const abort = new AbortController();
      running.set(msg.id, abort);
      try {
        const run: StepContext['run'] = (feeds, names) =>
          abort.signal.aborted ? Promise.reject(cancelled()) : ctx.run(feeds, names);
        outputs = await step.step.run(msg.feeds, { ...ctx, run, signal: abort.signal });
      } finally {
        running.delete(msg.id);
      }
    } else {
      outputs = await session.run(msg.feeds, msg.outputs);
    }
    send({ type: 'result', id: msg.id, outputs, ms: performance.now() - t0 }, transferable(outputs));
  } catch (e) {
    send({ type: 'error', id: msg.id, ...errorOf(e) });
  }
});

try {
  // Before the runtime starts its own threads, so that they inherit it: inference yields the CPU to the HTTP event
  // loop.
  if (data.nice || data.idle) lowerThreadPriority(data.nice ?? 0, data.idle ?? false);
  if (data.runtimeModule) {
    const mod = (await import(data.runtimeModule)) as Record<string, unknown>;
    const isRuntime = (v: unknown): v is Runtime =>
      typeof v === 'object' && v !== null && typeof (v as Runtime).load === 'function';
    const found = Object.values(mod).find((v) => isRuntime(v) && v.name === data.runtime) ?? mod.runtime;
    if (isRuntime(found)) registerRuntime(data.runtime, async () => found);
  }
  const runtime = await getRuntime(data.runtime);
  const base = await runtime.load(data.spec);
  if (data.spec.head) {
    // A fine-tuned version: the model, then its trained head (TensorFlow.js is imported only here).
    try {
      const { withHead } = await import('../head/index.ts');
      session = await withHead(base, data.spec.head);
    } catch (e) {
      await base.dispose();
      throw e;
    }
  } else {
    session = base;
  }
  if (data.step) {
    const loaded = session;
    const ctx: Omit<StepContext, 'signal'> = {
      params: data.step.params as Record<string, unknown>,
      labels: data.step.labels ?? loaded.labels,
      inputs: loaded.inputs,
      outputs: loaded.outputs,
      run: (feeds, outputs) => loaded.run(feeds, outputs),
    };
    step = { step: await importStep(data.step), ctx };
  }
  send({
    type: 'loaded',
    inputs: session.inputs,
    outputs: session.outputs,
    provider: session.provider,
    labels: session.labels,
  });
} catch (e) {
  send({ type: 'error', ...errorOf(e) });
}
