import type { RuntimeSession, SessionRunOptions } from '../runtime.ts';
import type { Tensor } from '../../core/tensor.ts';
import { loadInWorker, type WorkerHooks } from './index.ts';
import { WorkerExitedError } from './exited.ts';
import type { WorkerData } from './protocol.ts';

/** Restart delays: `baseMs` after a death, doubling while the instance keeps dying, at most `maxMs`. */
interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** What a supervisor reports (each event once): for logs and metrics. */
export interface SupervisorHooks {
  /** The loaded instance's thread exited or crashed; a restart is due in `restartInMs`. */
  onExit?(error: WorkerExitedError, cause: Error | undefined, restartInMs: number): void;
  /** A replacement thread loaded and is taking work again. */
  onRestart?(attempt: number): void;
  /** A restart attempt failed to load; the next is due in `retryInMs`. */
  onRestartFailed?(error: unknown, attempt: number, retryInMs: number): void;
}

/** An instance that may die and come back: `live` says whether it can take work now. */
export interface SupervisedSession extends RuntimeSession {
  readonly live: boolean;
  /** Calls `listener` on every change of `live`; returns the function that stops it. */
  watch(listener: (live: boolean) => void): () => void;
}

interface SuperviseOptions {
  backoff: Backoff;
  hooks?: SupervisorHooks;
  /** Loads one worker (tests may inject one); defaults to loadInWorker. */
  load?: (data: WorkerData, hooks: WorkerHooks) => Promise<RuntimeSession>;
}

const shapeOf = (s: RuntimeSession) => JSON.stringify([s.inputs, s.outputs]);

/**
 * Loads a model instance in a worker thread and keeps it alive: when the thread exits or crashes the
 * instance turns not-live at once (its in-flight calls get WorkerExitedError, 503), and a replacement is
 * loaded from the same WorkerData after an exponential back-off (reset once an instance has lived for
 * `maxMs`). A replacement whose inputs or outputs differ from the first (the file changed on disk) is
 * refused: that takes a reload. `dispose()` stops restarts. The first load's failure is thrown as is.
 *
 * @example
 * const s = await superviseWorker({ runtime: 'onnx', spec: { path } }, { backoff: { baseMs: 500, maxMs: 30_000 } });
 * s.watch((live) => console.log(live ? 'back' : 'down'));
 */
export async function superviseWorker(data: WorkerData, options: SuperviseOptions): Promise<SupervisedSession> {
  const load = options.load ?? loadInWorker;
  const { baseMs, maxMs } = options.backoff;
  const hooks = options.hooks ?? {};
  const listeners = new Set<(live: boolean) => void>();
  let current: RuntimeSession | undefined;
  let lastError: WorkerExitedError = new WorkerExitedError('restarting');
  let upSince = Date.now();
  let failures = 0;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const delay = () => Math.min(maxMs, baseMs * 2 ** Math.min(failures, 30));
  const notify = (live: boolean) => {
    for (const l of [...listeners]) l(live);
  };

  const workerHooks: WorkerHooks = {
    onExit(error, cause) {
      if (closed) return;
      current = undefined;
      lastError = error;
      if (Date.now() - upSince >= maxMs) failures = 0;
      const wait = delay();
      failures++;
      hooks.onExit?.(error, cause, wait);
      notify(false);
      restartIn(wait);
    },
  };

  function restartIn(ms: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => void restart(), ms);
    timer.unref?.();
  }

  async function restart(): Promise<void> {
    if (closed) return;
    attempt++;
    let next: RuntimeSession;
    try {
      next = await load(data, workerHooks);
      if (shapeOf(next) !== shapeOf(session)) {
        await next.dispose();
        throw new Error('the model file changed on disk (inputs or outputs differ): reload the model');
      }
    } catch (e) {
      if (closed) return;
      const wait = delay();
      failures++;
      hooks.onRestartFailed?.(e, attempt, wait);
      restartIn(wait);
      return;
    }
    if (closed) return void (await next.dispose());
    current = next;
    upSince = Date.now();
    hooks.onRestart?.(attempt);
    notify(true);
  }

  current = await load(data, workerHooks);
  const first = current;
  const session: SupervisedSession = {
    inputs: first.inputs,
    outputs: first.outputs,
    provider: first.provider,
    labels: first.labels,
    get live() {
      return current !== undefined;
    },
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    run(feeds: Record<string, Tensor>, outputNames?: readonly string[], runOptions?: SessionRunOptions) {
      if (!current) return Promise.reject(lastError);
      return current.run(feeds, outputNames, runOptions);
    },
    ...(data.step
      ? {
          runStep(feeds: Record<string, Tensor>, runOptions?: SessionRunOptions & { signal?: AbortSignal }) {
            if (!current) return Promise.reject(lastError);
            if (!current.runStep) return Promise.reject(new Error('the model instance has no worker step'));
            return current.runStep(feeds, runOptions);
          },
        }
      : {}),
    async dispose() {
      closed = true;
      clearTimeout(timer);
      listeners.clear();
      const s = current;
      current = undefined;
      await s?.dispose();
    },
  };
  return session;
}
