import { invalidInput } from '../../core/errors.ts';

/** Longest request id `Assignments.record` accepts (ids come from clients' headers; they must not grow memory). */
export const MAX_REQUEST_ID_LENGTH = 256;

/** Which variant of which experiment served a request. */
interface Assignment {
  experiment: string;
  variant: string;
}

/**
 * Remembers which variant served each request, so that `POST /v1/experiments/{name}/feedback`
 * (request id + reward) can credit the right variant: a bounded, TTL'd map from request id to assignment.
 *
 * - Bounded: at `maxEntries` the oldest entry is evicted first (Map insertion order; recording an id again
 *   moves it to the end).
 * - TTL'd: an entry lives `ttlMs` after it was recorded; expired entries are dropped lazily (from the old end
 *   on `record` and `size`, and when `take` meets one), so no timer runs.
 * - One reward per request: `take` removes the entry, a second `take` returns undefined.
 *
 * @example
 * const assignments = new Assignments();
 * assignments.record(requestId, 'nsfw-ab', 'challenger');   // when the request is served
 * const a = assignments.take(requestId, 'nsfw-ab');        // when its feedback arrives
 * if (a) bandit.reward(variantIndex(a.variant), reward);
 */
export class Assignments {
  readonly #entries = new Map<string, Assignment & { at: number }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(maxEntries = 100_000, ttlMs = 3_600_000, now: () => number = () => Date.now()) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw invalidInput(`assignments: maxEntries must be an integer ≥ 1, got ${String(maxEntries)}`);
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0)
      throw invalidInput(`assignments: ttlMs must be a finite number > 0, got ${String(ttlMs)}`);
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /**
   * Records that `variant` of `experiment` served request `id` (replacing an earlier record of the same id).
   * Throws INVALID_INPUT for an empty or over-long id or an empty experiment or variant name.
   */
  record(id: string, experiment: string, variant: string): void {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_REQUEST_ID_LENGTH) {
      throw invalidInput(`request id must be a string of 1..${MAX_REQUEST_ID_LENGTH} characters`);
    }
    if (typeof experiment !== 'string' || experiment.length === 0)
      throw invalidInput('assignment needs an experiment name');
    if (typeof variant !== 'string' || variant.length === 0) throw invalidInput('assignment needs a variant name');
    const now = this.#now();
    this.#sweep(now);
    this.#entries.delete(id);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(id, { experiment, variant, at: now });
  }

  /**
   * Removes and returns the assignment of request `id`, or undefined when there is none (never recorded,
   * evicted, expired, or already taken). With `experiment`, an entry of another experiment is not returned
   * and stays in place (feedback sent to the wrong experiment does not use up the request's one reward).
   */
  take(id: string, experiment?: string): Assignment | undefined {
    if (typeof id !== 'string') return undefined;
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (this.#expired(entry.at, this.#now())) {
      this.#entries.delete(id);
      return undefined;
    }
    if (experiment !== undefined && entry.experiment !== experiment) return undefined;
    this.#entries.delete(id);
    return { experiment: entry.experiment, variant: entry.variant };
  }

  /** Entries held, expired ones at the old end dropped first. */
  get size(): number {
    this.#sweep(this.#now());
    return this.#entries.size;
  }

  #expired(at: number, now: number): boolean {
    return now - at >= this.#ttlMs;
  }

  /** Drops expired entries from the old end; stops at the first live one (amortised O(1) per record). */
  #sweep(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (!this.#expired(entry.at, now)) return;
      this.#entries.delete(id);
    }
  }
}
