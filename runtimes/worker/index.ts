import { Worker } from 'node:worker_threads';
import { SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { RuntimeSession, SessionRunOptions } from '../runtime.ts';
import type { Tensor, TensorInfo } from '../../core/tensor.ts';
import { GatewayError, type ErrorCode, ERROR_CODES, isGatewayError } from '../../core/errors.ts';
import { PACKAGE_VERSION } from '../../core/package-root.ts';
import type { FromWorker, ToWorker, WorkerData } from './protocol.ts';
import { transferable } from './transfer.ts';
import { WorkerExitedError } from './exited.ts';
import { workerEntry } from '../../core/compiled.ts';

const THREAD = workerEntry(import.meta.url);

function toError(code: string, message: string): GatewayError {
  const known = (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'INFERENCE_FAILED';
  return new GatewayError(known, message);
}

/** The round trip's span ends: with the thread's own time, or failed with the error's code. */
function endRun(span: Span, ms: number | undefined, error?: unknown): void {
  if (ms !== undefined) span.setAttribute('massgate.worker.compute_ms', ms);
  if (error !== undefined) {
    const code = isGatewayError(error) ? error.code : 'INFERENCE_FAILED';
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    span.setAttribute('error.type', code);
  }
  span.end();
}

export interface WorkerHooks {
  /**
   * Called once, synchronously, when the loaded worker's thread exits or crashes (not when it is
   * disposed), before its in-flight calls are rejected with WorkerExitedError. `cause` is the uncaught
   * error, if that is what ended it.
   */
  onExit?(error: WorkerExitedError, cause?: Error): void;
}

/**
 * A runtime session that lives in its own worker thread, so that a blocking `run()` (onnxruntime-node's
 * blocks its caller) never stalls the HTTP event loop. Implements the same RuntimeSession contract, and
 * `runStep` when `data.step` names a plugin's worker step (runtimes/worker/step.ts).
 *
 * Given a trace context whose span is recording (`options.trace`, OpenTelemetry `@opentelemetry/api`: the gateway's
 * batch span, or the request's for an unbatched model), each run or step is a `massgate.worker.run` span, its child:
 * the round trip to the thread, with `massgate.worker.kind` (run, step), `massgate.worker.thread_id`,
 * `massgate.runtime.name`, `massgate.runtime.provider`, `massgate.batch.size` (rows sent) and
 * `massgate.worker.compute_ms` (time in the thread).
 *
 * @example
 * const session = await loadInWorker({ runtime: 'onnx', spec: { path: 'model.onnx' } });
 * const out = await session.run({ x: tensor });
 */
export async function loadInWorker(data: WorkerData, hooks: WorkerHooks = {}): Promise<RuntimeSession> {
  const worker = new Worker(THREAD, { workerData: data });
  worker.unref();
  const pending = new Map<
    number,
    { resolve: (o: Record<string, Tensor>, ms?: number) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let dead: GatewayError | undefined;
  let isLoaded = false;
  let closing = false;

  const loaded = new Promise<{
    inputs: TensorInfo[];
    outputs: TensorInfo[];
    provider: string;
    labels?: readonly string[] | undefined;
  }>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'loaded') {
        isLoaded = true;
        return resolve(m);
      }
      const p = m.id === undefined ? undefined : pending.get(m.id);
      if (m.type === 'error' && m.id === undefined)
        return reject(toError(m.code === 'INFERENCE_FAILED' ? 'MODEL_LOAD_FAILED' : m.code, m.message));
      if (!p) return;
      pending.delete(m.id!);
      if (m.type === 'result') p.resolve(m.outputs, m.ms);
      else p.reject(toError(m.code, m.message));
    });
    // 'error' (an uncaught exception) is followed by 'exit': the first one counts.
    const fail = (e: GatewayError, cause?: Error) => {
      if (dead) return;
      dead = e;
      if (!isLoaded)
        reject(
          new GatewayError(
            'MODEL_LOAD_FAILED',
            cause ? `model worker crashed while loading: ${cause.message}` : `${e.message} while loading`,
          ),
        );
      if (isLoaded && !closing && e instanceof WorkerExitedError) hooks.onExit?.(e, cause);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    worker.on('error', (e) => fail(new WorkerExitedError('uncaught error'), e));
    worker.on('exit', (code) =>
      fail(
        closing
          ? new GatewayError('MODEL_NOT_READY', 'the model instance is closed')
          : new WorkerExitedError(`code ${code}`, code),
      ),
    );
  });

  let meta: Awaited<typeof loaded>;
  try {
    meta = await loaded;
  } catch (e) {
    await worker.terminate();
    throw e;
  }

  /** A run's span, when its parent's span is recording (tracing on, sampled); else none, at the cost of one lookup. */
  const runSpan = (
    kind: 'run' | 'step',
    feeds: Record<string, Tensor>,
    parent: Context | undefined,
  ): Span | undefined => {
    if (parent === undefined || !trace.getSpan(parent)?.isRecording()) return undefined;
    const rows = Object.values(feeds)[0]?.shape[0];
    return trace.getTracer('massgate', PACKAGE_VERSION).startSpan(
      'massgate.worker.run',
      {
        attributes: {
          'massgate.worker.kind': kind,
          'massgate.worker.thread_id': worker.threadId,
          'massgate.runtime.name': data.runtime,
          'massgate.runtime.provider': meta.provider,
          ...(rows !== undefined ? { 'massgate.batch.size': rows } : {}),
        },
      },
      parent,
    );
  };

  /**
   * Posts a message and waits for its answer; `sent` may watch the call (its id) until it is answered, `span` ends
   * with it.
   */
  const call = (
    msg: Omit<ToWorker, 'id'>,
    transfer: ArrayBuffer[] = [],
    sent?: (id: number) => (() => void) | undefined,
    span?: Span,
  ) =>
    new Promise<Record<string, Tensor>>((resolve, reject) => {
      if (dead) {
        if (span) endRun(span, undefined, dead);
        return reject(dead);
      }
      const id = nextId++;
      let unwatch: (() => void) | undefined;
      pending.set(id, {
        resolve: (o, ms) => {
          unwatch?.();
          if (span) endRun(span, ms);
          resolve(o);
        },
        reject: (e) => {
          unwatch?.();
          if (span) endRun(span, undefined, e);
          reject(e);
        },
      });
      worker.postMessage({ ...msg, id }, transfer);
      unwatch = sent?.(id);
    });

  let disposed: Promise<void> | undefined;
  return {
    inputs: meta.inputs,
    outputs: meta.outputs,
    provider: meta.provider,
    labels: meta.labels,
    run: (feeds, outputNames, options) =>
      call(
        { type: 'run', feeds, outputs: outputNames ? [...outputNames] : undefined } as Omit<ToWorker, 'id'>,
        options?.transferInputs ? transferable(feeds) : [],
        undefined,
        runSpan('run', feeds, options?.trace),
      ),
    ...(data.step
      ? {
          runStep: (feeds: Record<string, Tensor>, options?: SessionRunOptions & { signal?: AbortSignal }) => {
            const signal = options?.signal;
            const result = call(
              { type: 'step', feeds } as Omit<ToWorker, 'id'>,
              options?.transferInputs ? transferable(feeds) : [],
              (id) => {
                if (!signal) return;
                const cancel = () => worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
                if (signal.aborted) {
                  cancel();
                  return undefined;
                }
                signal.addEventListener('abort', cancel, { once: true });
                return () => signal.removeEventListener('abort', cancel);
              },
              runSpan('step', feeds, options?.trace),
            );
            return result;
          },
        }
      : {}),
    dispose() {
      disposed ??= (async () => {
        closing = true;
        if (!dead) await call({ type: 'dispose' } as Omit<ToWorker, 'id'>).catch(() => undefined);
        await worker.terminate();
      })();
      return disposed;
    },
  };
}
