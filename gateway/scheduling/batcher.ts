import { trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { GatewayError } from '../../core/errors.ts';
import { concat, padTo, sliceRows, type Tensor } from '../../core/tensor.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import type { BatchingConfig } from '../../model-store/schema.ts';
import type { SupervisedSession } from '../../runtimes/worker/supervise.ts';
import type { Scheduler, SchedulerStats, SubmitOptions } from './scheduler.ts';
import { Fifo } from './fifo.ts';
import { copyRows, joinChunks } from './chunks.ts';
import { activeTracer, failSpan, traced } from '../telemetry/spans.ts';
import { AdaptiveDelay } from './adaptive.ts';

/** What the scheduler reports, for metrics. */
export interface SchedulerHooks {
  /** A batch ran: its rows, its request count, and how long the instance took. */
  onBatch?(rows: number, requests: number, computeMs: number): void;
  /** A request left the queue for an instance after waiting `queueMs`. */
  onDequeue?(queueMs: number): void;
  /** Monotonic clock in ms (tests may inject one). */
  now?(): number;
}

/** One queue entry: a whole request, or one chunk of at most `maxBatchSize` rows of a larger one. */
interface Pending {
  feeds: Record<string, Tensor>;
  rows: number;
  /** Requests merge only when their signatures (input names, datatypes, non-batch dims) are equal. */
  signature: string;
  outputs?: readonly string[] | undefined;
  /** A worker-step request (SubmitOptions.step). */
  step: boolean;
  priority: number;
  enqueuedAt: number;
  settled: boolean;
  /** Called when the entry leaves the queue for an instance (the next chunk of its request queues then). */
  onDispatch?(): void;
  /** Its request was given up (deadline, client gone) after it left the queue. */
  abandoned?: boolean;
  /** Set by the batch running it: told when `abandoned` turns true. */
  onAbandon?(): void;
  resolve(o: Record<string, Tensor>): void;
  /** This entry's batch failed. */
  reject(e: Error): void;
  /** Fails the whole request at once (no live instance left). */
  fail(e: Error): void;
  /** Tracing on: the entry's `massgate.queue` span, ended when it leaves the queue. */
  span?: Span;
  /** Its request's client (SubmitOptions.client). */
  client?: object | undefined;
  /** Tracing on: its request's `SubmitOptions.trace` (a timer or another request dispatches it). */
  parent?: Context;
}

/** False for a supervised instance whose worker is dead (plain sessions are always live). */
const isLive = (i: RuntimeSession): boolean => (i as Partial<SupervisedSession>).live !== false;

/** Aborted once every request of the batch has been given up: a worker step then stops working for nobody. */
function abandonment(batch: readonly Pending[]): AbortSignal {
  const controller = new AbortController();
  const check = () => {
    if (batch.every((p) => p.abandoned)) controller.abort();
  };
  for (const p of batch) p.onAbandon = check;
  return controller.signal;
}

/** A worker-step run on an instance (only worker-thread sessions loaded with the plugin's step have one). */
function runStep(
  instance: RuntimeSession,
  feeds: Record<string, Tensor>,
  options: { transferInputs: boolean; signal: AbortSignal; trace?: Context },
): Promise<Record<string, Tensor>> {
  if (!instance.runStep)
    return Promise.reject(new GatewayError('INFERENCE_FAILED', 'this model instance has no worker step'));
  return instance.runStep(feeds, options);
}

const noLiveInstance = () =>
  new GatewayError('UNAVAILABLE', 'no live model instance (model worker exited; restarting)', { retryAfterS: 1 });

/**
 * What must match for two requests to merge: the kind of run (model or worker step), input names,
 * datatypes and non-batch dimensions, where the dimensions on padded axes (numeric inputs only) match
 * anything of the same rank.
 */
function signatureOf(
  feeds: Record<string, Tensor>,
  padAxes: readonly number[],
  step: boolean,
): { signature: string; rows: number } {
  const names = Object.keys(feeds).sort();
  let rows = -1;
  const parts: string[] = step ? ['step'] : [];
  for (const n of names) {
    const t = feeds[n]!;
    const r = t.shape[0] ?? 1;
    if (rows < 0) rows = r;
    else if (rows !== r) throw new GatewayError('INVALID_INPUT', `inputs disagree on the batch size (${rows} vs ${r})`);
    const dims = t.shape.map((d, i) => (t.datatype !== 'BYTES' && padAxes.includes(i) ? '*' : String(d)));
    parts.push(`${n}:${t.datatype}:${dims.slice(1).join('x')}`);
  }
  return { signature: parts.join('|'), rows: Math.max(rows, 0) };
}

/**
 * Tracing on: the `massgate.batch` span of a batch of a batched model, a child of its first sampled request (no span
 * when none is sampled), linked to every request it merged (their queue spans, each link with the request's rows),
 * and each of those queue spans linked back to it.
 */
function batchSpan(batch: readonly Pending[], rows: number, attributes: Attributes): Span | undefined {
  const tracer = activeTracer();
  const first = batch.find((p) => p.span?.isRecording());
  if (!tracer || !first) return undefined;
  const links: Link[] = [];
  for (const p of batch)
    if (p.span) links.push({ context: p.span.spanContext(), attributes: { 'massgate.rows': p.rows } });
  const span = tracer.startSpan(
    'massgate.batch',
    { links, attributes: { ...attributes, 'massgate.batch.size': rows, 'massgate.batch.requests': batch.length } },
    first.parent,
  );
  for (const p of batch) p.span?.addLink({ context: span.spanContext() });
  return span;
}

/**
 * The dynamic batcher, after Triton's: requests queue FIFO per priority level; a batch is formed from
 * compatible requests (same input names, datatypes and non-batch dimensions) up to `maxBatchSize` rows
 * (rows, not requests) and dispatched to the first free instance when it is full, when it reaches a
 * preferred size, or when its oldest request has waited `maxQueueDelayMs` (counted from when an instance
 * was free to take it: behind busy instances a request queues without being held back by the delay);
 * several instances free at that moment split the queued rows evenly (unless preferred sizes are set).
 * With `padding`, dimensions on its axes need not match: each batch's inputs are padded to the largest.
 * The queue is bounded (QUEUE_FULL at once beyond `maxQueueSize`); each request has a deadline (TIMEOUT)
 * and may be cancelled (CANCELLED, e.g. client gone); every request gets exactly its own rows back.
 * `maxBatchSize` 0 or 1 turns batching off: one request per run, same queueing rules.
 *
 * A request of more rows than `maxBatchSize` is split into chunks of at most that many rows, queued one
 * at a time (the next when the previous leaves for an instance), so other requests interleave with it
 * FIFO; its answer is the chunks' outputs joined in order. It holds one queue place per chunk (admission
 * and `maxQueueSize` count chunks: PAYLOAD_TOO_LARGE when it could never fit); its deadline and
 * cancellation drop its remaining chunks, and a failed chunk fails it.
 *
 * A worker-step request (`options.step`: the plugin's step runs in the instance's thread) batches only
 * with other step requests; once every request of a running step batch has been given up (deadline,
 * client gone), the step is cancelled in its thread (its next model call throws), so an abandoned long
 * clip does not hold an instance.
 *
 * Tracing on, each queue entry of a sampled request has a `massgate.queue` span (submit to dispatch, a child of
 * `options.trace`, with `attributes`); a batched model's batch has a `massgate.batch` span (see `batchSpan`), the
 * parent passed to its run (the worker's span is its child); an unbatched model's run is given its request's context.
 *
 * Supervised instances (worker threads that may die) leave rotation when their worker exits — the batch
 * they were running fails with 503 UNAVAILABLE, not retried: its input may be what killed the worker —
 * and rejoin when restarted. With no live instance, queued and new requests get 503 at once.
 *
 * @example
 * const scheduler = createScheduler(sessions, BatchingSchema.parse({ maxBatchSize: 8, maxQueueDelayMs: 2 }));
 * const outputs = await scheduler.submit({ x }, { timeoutMs: 500 });
 */
export function createScheduler(
  instances: readonly RuntimeSession[],
  config: BatchingConfig,
  hooks: SchedulerHooks = {},
  attributes: Attributes = {},
): Scheduler {
  const now = hooks.now ?? (() => performance.now());
  const batching = config.maxBatchSize > 1;
  const maxRows = Math.max(1, config.maxBatchSize);
  const preferred = new Set(config.preferredBatchSizes.filter((s) => s <= maxRows));
  const padAxes = config.padding?.axes ?? [];
  const queues = Array.from({ length: config.priorityLevels }, () => new Fifo<Pending>());
  const idle = instances.filter(isLive);
  /** When each idle instance became free (parallel to `idle`, oldest first). */
  const idleSince = idle.map(() => -Infinity);
  const busy = new Set<RuntimeSession>();
  /** Counted on every submit and admission check: a loop, not a filtered copy. */
  const liveCount = () => {
    let n = 0;
    for (const i of instances) if (isLive(i)) n++;
    return n;
  };
  let queued = 0;
  let running = 0;
  let draining = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  const drained: Array<() => void> = [];
  /** With `queueDelay: 'adaptive'`: when to send a partial batch (see adaptive.ts), and the head it holds. */
  const adaptive =
    batching && config.queueDelay === 'adaptive'
      ? new AdaptiveDelay({ maxDelayMs: config.maxQueueDelayMs, maxRows })
      : undefined;
  let hold: { first: Pending; at: number } | undefined;

  const settle = (p: Pending) => {
    if (p.settled) return false;
    p.settled = true;
    queued--;
    return true;
  };

  /** The oldest live request of the highest non-empty priority level. */
  const head = (): Pending | undefined => {
    for (const q of queues) {
      while (q.length && q.peek()!.settled) q.shift();
      if (q.length) return q.peek();
    }
    return undefined;
  };

  /** Compatible requests for one batch, in priority then FIFO order, up to `limit` rows. */
  function gather(first: Pending, limit = maxRows): { batch: Pending[]; rows: number; more: boolean } {
    const batch = [first];
    let rows = first.rows;
    let more = false;
    if (!batching) return { batch, rows, more: queued > 1 };
    const scanLimit = maxRows * 4;
    let scanned = 0;
    outer: for (const q of queues) {
      for (const p of q) {
        if (p === first || p.settled) continue;
        if (++scanned > scanLimit) break outer;
        if (p.signature !== first.signature) continue;
        if (rows + p.rows > limit) {
          more = true;
          break outer;
        }
        batch.push(p);
        rows += p.rows;
        if (rows === limit) break outer;
      }
    }
    return { batch, rows, more: more || rows >= limit };
  }

  /** Rows of queued requests compatible with `first` (its own included), counting up to `cap`. */
  function available(first: Pending, cap: number): number {
    let rows = 0;
    let scanned = 0;
    for (const q of queues) {
      for (const p of q) {
        if (p.settled || p.signature !== first.signature) continue;
        rows += p.rows;
        if (rows >= cap || ++scanned > maxRows * 4 * idle.length) return rows;
      }
    }
    return rows;
  }

  function schedule(at: number) {
    if (timer && timerAt <= at) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Infinity;
        dispatch();
      },
      Math.max(0, at - now()),
    );
  }

  function dispatch(): void {
    while (idle.length) {
      const first = head();
      if (!first) break;
      const candidate = gather(first);
      // The delay holds a request back only from the moment it could have run: a request that queued
      // while every instance was busy gets the same chance to gather companions once one frees up (the
      // clients answered by that instance are typically on their way back).
      const since = Math.max(first.enqueuedAt, idleSince[0]!);
      let sendAt = since + config.maxQueueDelayMs;
      // Adaptive: hold only as long as waiting is expected to pay, never longer than first decided.
      if (adaptive) {
        const at = adaptive.sendAt(now(), candidate.rows, idle.length > 1);
        sendAt = Math.min(sendAt, at, hold?.first === first ? hold.at : Infinity);
        hold = { first, at: sendAt };
      }
      const ready = !batching || candidate.more || preferred.has(candidate.rows) || now() >= sendAt || draining;
      if (!ready) {
        schedule(sendAt);
        break;
      }
      hold = undefined;
      // Several free instances share what is queued rather than one taking it all while the others
      // idle: balanced batches also keep instances from settling into one large and one tiny batch.
      // Preferred sizes, where configured, are kept as they are.
      const share =
        batching && idle.length > 1 && preferred.size === 0
          ? Math.ceil(available(first, maxRows * idle.length) / idle.length)
          : maxRows;
      const { batch, rows } = share < candidate.rows ? gather(first, Math.max(first.rows, share)) : candidate;
      const span = batching && first.span ? batchSpan(batch, rows, attributes) : undefined;
      for (const p of batch) {
        settle(p);
        hooks.onDequeue?.(now() - p.enqueuedAt);
        p.span?.end();
        p.onDispatch?.();
      }
      idleSince.pop();
      // The run's context: its batch span (a batched model), else its one request's (the worker's span joins it).
      const ctx = span ? trace.setSpan(first.parent!, span) : batching ? undefined : first.parent;
      void run(idle.pop()!, batch, rows, span, ctx);
    }
    if (queued === 0 && running === 0) {
      adaptive?.quiet(now());
      for (const d of drained.splice(0)) d();
    }
  }

  /** One input of a batch: its requests' tensors, padded to the largest on the padded axes, then stacked. */
  function merge(parts: Tensor[]): Tensor {
    if (!padAxes.length || parts[0]!.datatype === 'BYTES') return concat(parts);
    const target = parts[0]!.shape.map((_, i) =>
      i > 0 && padAxes.includes(i) ? Math.max(...parts.map((t) => t.shape[i]!)) : -1,
    );
    return concat(
      parts.map((t) =>
        padTo(
          t,
          t.shape.map((d, i) => (target[i]! >= 0 ? target[i]! : d)),
          config.padding!.value,
        ),
      ),
    );
  }

  async function run(instance: RuntimeSession, batch: Pending[], rows: number, span?: Span, ctx?: Context) {
    running++;
    busy.add(instance);
    const t0 = now();
    try {
      const feeds =
        batch.length === 1
          ? batch[0]!.feeds
          : Object.fromEntries(Object.keys(batch[0]!.feeds).map((n) => [n, merge(batch.map((p) => p.feeds[n]!))]));
      // The union of what the batch's requests ask for. "Everything" means the declared outputs; beside
      // a request for an internal output (a feature layer, say), the declared ones and it are named.
      const wantAll = batch.some((p) => !p.outputs);
      const isDeclared = (n: string) => instance.outputs.some((o) => o.name === n);
      const internal = wantAll && batch.some((p) => p.outputs?.some((n) => !isDeclared(n)));
      const names = !wantAll
        ? [...new Set(batch.flatMap((p) => p.outputs!))]
        : internal
          ? [...new Set([...instance.outputs.map((o) => o.name), ...batch.flatMap((p) => p.outputs ?? [])])]
          : undefined;
      // Batch buffers built here by concat belong to nobody else: a worker may take them without a copy.
      // (Padding keeps that true: concat of several parts always allocates.)
      const transfer = { transferInputs: batch.length > 1 };
      const options = ctx ? { ...transfer, trace: ctx } : transfer;
      const out = await (batch[0]!.step
        ? runStep(instance, feeds, { ...options, signal: abandonment(batch) })
        : instance.run(feeds, names, options));
      const ms = now() - t0;
      adaptive?.ran(rows, ms);
      hooks.onBatch?.(rows, batch.length, ms);
      let offset = 0;
      for (const p of batch) {
        const mine: Record<string, Tensor> = {};
        for (const [name, t] of Object.entries(out)) {
          if (p.outputs ? !p.outputs.includes(name) : internal && !isDeclared(name)) continue;
          if (batch.length === 1) mine[name] = t;
          else if (t.shape[0] === rows) mine[name] = sliceRows(t, offset, offset + p.rows);
          else
            throw new GatewayError(
              'INFERENCE_FAILED',
              `output '${name}' has no batch dimension (shape [${t.shape.join(',')}]); turn batching off for this model`,
            );
        }
        offset += p.rows;
        p.resolve(mine);
      }
      adaptive?.answered(
        now(),
        batch.map((p) => p.client),
      );
    } catch (e) {
      if (span) failSpan(span, e);
      for (const p of batch) p.reject(e as Error);
    } finally {
      span?.end();
      running--;
      busy.delete(instance);
      if (isLive(instance)) {
        idle.push(instance);
        idleSince.push(now());
      }
      dispatch();
    }
  }

  /** Why a request of `chunks` queue places would be refused right now, if it would. */
  function refusal(chunks = 1): GatewayError | undefined {
    if (draining) return new GatewayError('UNAVAILABLE', 'the model is unloading', { retryAfterS: 1 });
    if (liveCount() === 0) return noLiveInstance();
    if (queued + chunks > config.maxQueueSize)
      return new GatewayError('QUEUE_FULL', `the queue is full (${config.maxQueueSize} requests waiting)`, {
        retryAfterS: 1,
      });
    return undefined;
  }

  function submit(feeds: Record<string, Tensor>, options: SubmitOptions = {}): Promise<Record<string, Tensor>> {
    const refused = refusal(0);
    if (refused) return Promise.reject(refused);
    if (options.signal?.aborted) return Promise.reject(new GatewayError('CANCELLED', 'the client went away'));
    // Without batching nothing is merged, so feeds need no common batch dimension (a scalar or a
    // state tensor batched on another axis is fine).
    const step = options.step === true;
    const { signature, rows } = batching ? signatureOf(feeds, padAxes, step) : { signature: '', rows: 1 };
    const chunks = batching ? Math.max(1, Math.ceil(rows / maxRows)) : 1;
    if (chunks > config.maxQueueSize) {
      return Promise.reject(
        new GatewayError(
          'PAYLOAD_TOO_LARGE',
          `a request of ${rows} rows runs as ${chunks} batches of at most ${maxRows}; this model queues at most ${config.maxQueueSize}`,
        ),
      );
    }
    const full = refusal(chunks);
    if (full) return Promise.reject(full);
    const levels = queues.length;
    const priority = Math.min(levels, Math.max(1, options.priority ?? config.defaultPriority ?? levels));
    const timeoutMs = Math.min(config.timeoutMs, options.timeoutMs ?? Infinity);
    const parent = traced(options.trace) ? options.trace : undefined;
    const tracer = parent ? activeTracer() : undefined;
    return new Promise((resolve, reject) => {
      let deadline: NodeJS.Timeout | undefined;
      let done = false;
      /** Chunks not yet queued (their queue places are held), the one waiting in the queue, the answers. */
      let unqueued = chunks;
      let waiting: Pending | undefined;
      /** Entries that left the queue: told when the request is given up (a running worker step then stops). */
      const sent: Pending[] = [];
      const answers: Array<Record<string, Tensor>> = [];
      let answered = 0;
      const finish = () => {
        done = true;
        clearTimeout(deadline);
        options.signal?.removeEventListener('abort', onAbort);
        queued -= unqueued; // places held for chunks that will never queue
        unqueued = 0;
      };
      const fail = (e: Error) => {
        if (done) return;
        finish();
        if (waiting && settle(waiting) && waiting.span) {
          failSpan(waiting.span, e);
          waiting.span.end();
        }
        for (const p of sent) {
          p.abandoned = true;
          p.onAbandon?.();
        }
        reject(e);
        dispatch();
      };
      const onAbort = () => fail(new GatewayError('CANCELLED', 'the client went away'));
      const enqueue = () => {
        const k = chunks - unqueued;
        unqueued--;
        const part = chunks === 1 ? feeds : copyRows(feeds, k * maxRows, Math.min(rows, (k + 1) * maxRows));
        const partRows = chunks === 1 ? rows : Math.min(rows, (k + 1) * maxRows) - k * maxRows;
        const p: Pending = {
          feeds: part,
          rows: partRows,
          signature,
          priority,
          outputs: step ? undefined : options.outputs,
          step,
          enqueuedAt: now(),
          settled: false,
          client: options.client,
          onDispatch: () => {
            waiting = undefined;
            sent.push(p);
            if (!done && unqueued > 0) enqueue();
          },
          resolve: (o) => {
            if (done) return;
            answers[k] = o;
            if (++answered < chunks) return;
            let joined: Record<string, Tensor>;
            try {
              joined = joinChunks(answers);
            } catch (e) {
              return fail(e as Error);
            }
            finish();
            resolve(joined);
          },
          reject: (e) => fail(e),
          fail,
          ...(tracer && parent
            ? {
                parent,
                span: tracer.startSpan(
                  'massgate.queue',
                  {
                    attributes: {
                      ...attributes,
                      'massgate.rows': partRows,
                      'massgate.priority': priority,
                      ...(chunks > 1 ? { 'massgate.chunk': k, 'massgate.chunks': chunks } : {}),
                    },
                  },
                  parent,
                ),
              }
            : {}),
        };
        waiting = p;
        queues[priority - 1]!.push(p);
      };
      deadline = setTimeout(
        () => fail(new GatewayError('TIMEOUT', `no answer within ${Math.round(timeoutMs)} ms`)),
        timeoutMs,
      );
      options.signal?.addEventListener('abort', onAbort, { once: true });
      queued += chunks;
      adaptive?.arrive(now(), rows, options.client);
      enqueue();
      dispatch();
    });
  }

  /** A supervised instance's worker died: out of rotation; with none left, nothing waits for one. */
  function down(instance: RuntimeSession): void {
    const at = idle.indexOf(instance);
    if (at >= 0) {
      idle.splice(at, 1);
      idleSince.splice(at, 1);
    }
    if (liveCount() > 0) return;
    const waiting = queues.flatMap((q) => [...q].filter((p) => !p.settled));
    for (const p of waiting) p.fail(noLiveInstance());
  }

  /** A supervised instance is back: it takes work again (at once when idle, else when its batch ends). */
  function up(instance: RuntimeSession): void {
    if (busy.has(instance) || idle.includes(instance) || !isLive(instance)) return;
    idle.push(instance);
    idleSince.push(now());
    dispatch();
  }

  // Disposing a supervised instance (when the version closes) ends its watch.
  for (const i of instances) (i as Partial<SupervisedSession>).watch?.((live) => (live ? up(i) : down(i)));

  return {
    submit,
    stats: (): SchedulerStats => ({ queued, running, instances: instances.length, live: liveCount() }),
    refusal: () => refusal(1),
    drain() {
      draining = true;
      dispatch();
      if (queued === 0 && running === 0) return Promise.resolve();
      return new Promise((r) => drained.push(r));
    },
  };
}
