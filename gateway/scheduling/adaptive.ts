/** Options of an {@link AdaptiveDelay}. */
export interface AdaptiveDelayOptions {
  /** The longest a batch may be held back (the model's `maxQueueDelayMs`). */
  maxDelayMs: number;
  /** Most rows in one batch (the model's `maxBatchSize`). */
  maxRows: number;
  /** Time constant of the arrival-rate estimate, in ms (default 100: a step change of load shows within ~0.3 s). */
  tauMs?: number;
  /** Weight of a new run time in its batch-size bucket's moving average (default 0.2). */
  alpha?: number;
}

/** A batch-size bucket of the learned cost curve: moving averages of rows and run time. */
interface Point {
  rows: number;
  ms: number;
}

/** Pseudo busy time (ms) added to the rate's denominator: a single early arrival does not read as a flood. */
const PRIOR_BUSY_MS = 1;
/** Share of arriving rows counted as returns above which the load reads as closed-loop clients only. */
const RETURNING = 0.9;
/** Waits tried besides the ones that fill the next power-of-two batch: this many even steps up to the bound. */
const STEPS = 8;

/**
 * The adaptive queue delay: decides, when an instance is free and a partial batch is queued, whether to send
 * it now or hold it until more rows arrive. Fed with arrivals, idle moments and measured batch run times,
 * it keeps two estimates:
 *
 * - λ, the rate (rows per ms) at which rows arrive *while the model has work outstanding*: arrivals and busy
 *   time are both exponentially decayed sums (time constant `tauMs`). Only that rate matters for a wait, and
 *   it is ≈ 0 under closed-loop load from one client (the next request comes only after the answer).
 * - the rows of a busy period (from an arrival that finds the model quiet to the next quiet moment), a moving
 *   average: with N clients in a closed loop a period holds about N rows, so once they are all queued no
 *   more are expected (a period past twice the usual says nothing, and the rate alone counts).
 * - c(b), the run time of a batch of b rows: a moving average per power-of-two bucket, interpolated between
 *   buckets and flat beyond the ones measured (before anything is measured nothing is held back).
 *
 * - the clients answered recently and not yet back. A request may name its client (an opaque identity: the
 *   HTTP layer passes the request's connection). A client that has come back on its connection before is a
 *   client in a loop: after its answer it is expected again within its round trip (the gateway encodes the
 *   answers, the client reads one and sends the next), so the clients of a batch just answered return close
 *   together. One not back within the return window (about twice the measured answer-to-request gap, at most
 *   `maxDelayMs`) is no longer expected; a connection used once (no keep-alive) is never expected.
 *
 * While clients just answered are on their way back, a partial batch is held for them (until they are all
 * back, the batch is full, or the newest answer's return window closes): their requests would otherwise run
 * as a second batch right after this one, costing the model and the HTTP thread another round trip. A single
 * client's next request is its own return, so it goes at once; so does any request when no client answered
 * lately is missing and nearly every request lately was such a return (clients in a closed loop: all of
 * them are queued, nothing else is coming).
 *
 * Otherwise, holding q queued rows for w ms expects r = λw more rows. Summed over those q + r rows, sending now costs
 * q·c(q) + r·(h + c(r)) — the late rows run as their own batch, after this one (h = c(q)) unless another
 * instance is free (h = 0) — and waiting costs (q + r)·(w + c(q + r)) (their arrival times cancel out). It
 * holds for the w (at most `maxDelayMs`) that lowers the per-row latency most, and sends now when no w
 * lowers it: with a flat cost that needs λ·c > q, with a linear one never.
 *
 * @example
 * const delay = new AdaptiveDelay({ maxDelayMs: 5, maxRows: 64 });
 * delay.arrive(now, 1, socket); // on each request
 * delay.ran(rows, ms); // after each batch
 * delay.answered(now, [socket]); // when its answers go out
 * delay.quiet(now); // when nothing is queued or running
 * const at = delay.sendAt(now, queuedRows, false); // now: send; later: hold until then
 */
export class AdaptiveDelay {
  readonly #maxDelay: number;
  readonly #maxRows: number;
  readonly #tau: number;
  readonly #alpha: number;
  readonly #buckets: Array<Point | undefined>;
  /** Decayed rows that arrived while busy, and decayed busy time (ms). */
  #arrived = 0;
  #busyMs = 0;
  #busy = false;
  #last = -Infinity;
  /** Rows arrived since the model was last quiet, and their moving average over past busy periods. */
  #periodRows = 0;
  #perPeriod: number | undefined;
  /** Clients answered and not yet back → when answered (insertion order is time order), and the newest time. */
  #away = new Map<object, number>();
  #lastAnswer = -Infinity;
  /** Clients seen on an earlier request, and those seen to come back after an answer. */
  #seen = new WeakSet<object>();
  #returners = new WeakSet<object>();
  /** Moving average of the gap (ms) from an answer to its client's next request. */
  #returnMs: number | undefined;
  /** Moving average of the share of requests that were such a return (near 1: clients in a closed loop). */
  #returnShare = 0;

  constructor(o: AdaptiveDelayOptions) {
    this.#maxDelay = o.maxDelayMs;
    this.#maxRows = Math.max(1, o.maxRows);
    this.#tau = o.tauMs ?? 100;
    this.#alpha = o.alpha ?? 0.2;
    this.#buckets = Array.from({ length: Math.floor(Math.log2(this.#maxRows)) + 1 }, () => undefined);
  }

  /** `rows` arrived at `t` (ms, monotonic), from `client` when the request names one. */
  arrive(t: number, rows: number, client?: object): void {
    this.#advance(t);
    if (this.#busy) this.#arrived += rows;
    this.#busy = true;
    this.#periodRows += rows;
    this.#expire(t);
    const answeredAt = client ? this.#away.get(client) : undefined;
    if (answeredAt !== undefined) {
      this.#away.delete(client!);
      const gap = t - answeredAt;
      this.#returnMs = this.#returnMs === undefined ? gap : this.#returnMs + this.#alpha * (gap - this.#returnMs);
    }
    if (client) {
      if (this.#seen.has(client)) this.#returners.add(client);
      else this.#seen.add(client);
    }
    this.#returnShare += this.#alpha * ((answeredAt === undefined ? 0 : 1) - this.#returnShare);
  }

  /** The answers of a batch went out at `t` to these clients (undefined where a request named none). */
  answered(t: number, clients: Iterable<object | undefined>): void {
    this.#expire(t);
    for (const c of clients) {
      if (!c || !this.#returners.has(c)) continue;
      this.#away.delete(c); // re-inserted: the map stays in time order
      this.#away.set(c, t);
      this.#lastAnswer = t;
    }
  }

  /** How long (ms) after an answer its return is still expected. */
  returnWindow(): number {
    return this.#returnMs === undefined ? this.#maxDelay : Math.min(this.#maxDelay, 2 * this.#returnMs + 0.25);
  }

  /** Clients answered within the return window that have not come back, as of `t`. */
  expected(t: number): number {
    this.#expire(t);
    return this.#away.size;
  }

  /** Nothing is queued or running any more at `t` (a busy period ends). */
  quiet(t: number): void {
    this.#advance(t);
    if (this.#busy) {
      const n = this.#periodRows;
      this.#perPeriod = this.#perPeriod === undefined ? n : this.#perPeriod + this.#alpha * (n - this.#perPeriod);
    }
    this.#busy = false;
    this.#periodRows = 0;
  }

  /** A batch of `rows` rows took `ms` to run. */
  ran(rows: number, ms: number): void {
    if (rows < 1 || !(ms >= 0)) return;
    const k = Math.min(this.#buckets.length - 1, Math.floor(Math.log2(rows)));
    const p = this.#buckets[k];
    if (!p) this.#buckets[k] = { rows, ms };
    else {
      p.rows += this.#alpha * (rows - p.rows);
      p.ms += this.#alpha * (ms - p.ms);
    }
  }

  /** Rows per ms arriving while work is outstanding, as of `t`. */
  rate(t: number): number {
    this.#advance(t);
    return this.#arrived / (this.#busyMs + PRIOR_BUSY_MS);
  }

  /** The expected run time (ms) of a batch of `rows` rows; undefined before any batch ran. */
  cost(rows: number): number | undefined {
    let below: Point | undefined;
    for (const p of this.#buckets) {
      if (!p) continue;
      if (p.rows >= rows) {
        if (!below) return p.ms;
        return below.ms + ((p.ms - below.ms) * (rows - below.rows)) / (p.rows - below.rows);
      }
      below = p;
    }
    return below?.ms;
  }

  /**
   * When to send `queued` rows, asked at `t` with an instance free for them: `t` to send now, or a later
   * time (at most `t + maxDelayMs`) to hold them until. `otherIdle`: another instance is free as well.
   */
  sendAt(t: number, queued: number, otherIdle: boolean): number {
    // Clients just answered are on their way back: hold for them, at most until the newest answer's window closes.
    if (this.expected(t) > 0 && queued < this.#maxRows && this.#maxDelay > 0)
      return Math.min(t + this.#maxDelay, this.#lastAnswer + this.returnWindow());
    // All back, and nearly every request lately was a return: the clients are all here, nothing else is coming.
    if (this.#returnShare > RETURNING) return t;
    const lambda = this.rate(t);
    // Closed-loop clients come in busy periods of about the same size: rows beyond it are not expected,
    // unless this period has run past twice the usual (then it says nothing about when it ends).
    const usual = this.#perPeriod ?? Infinity;
    const left = this.#periodRows < 2 * usual ? Math.max(0, usual - this.#periodRows) : Infinity;
    const room = Math.min(this.#maxRows - queued, left);
    const cq = this.cost(queued);
    if (!(lambda > 0) || room <= 0 || cq === undefined || this.#maxDelay <= 0) return t;
    const h = otherIdle ? 0 : cq;
    let best = t;
    let bestGain = 0;
    const consider = (w: number) => {
      const r = Math.min(lambda * w, room);
      const now = queued * cq + r * (h + this.cost(Math.max(1, r))!);
      const wait = (queued + r) * (w + this.cost(queued + r)!);
      const gain = (now - wait) / (queued + r);
      if (gain > bestGain) {
        bestGain = gain;
        best = t + w;
      }
    };
    for (let i = 1; i <= STEPS; i++) consider((this.#maxDelay * i) / STEPS);
    for (let size = 2; size <= this.#maxRows; size *= 2) {
      const w = (size - queued) / lambda;
      if (w > 0 && w < this.#maxDelay) consider(w);
    }
    return best;
  }

  /** Stops expecting the clients whose return window closed by `t`. */
  #expire(t: number): void {
    const window = this.returnWindow();
    for (const [c, at] of this.#away) {
      if (at + window > t) break;
      this.#away.delete(c);
    }
  }

  /** Decays both sums to `t`, adding the busy time since the last update. */
  #advance(t: number): void {
    const dt = t - this.#last;
    this.#last = t;
    if (!(dt > 0) || !Number.isFinite(dt)) return;
    const d = Math.exp(-dt / this.#tau);
    this.#arrived *= d;
    this.#busyMs = this.#busyMs * d + (this.#busy ? this.#tau * (1 - d) : 0);
  }
}
