/** Outcome of taking a token: allowed, or how long until one is available. */
type Take = { ok: true } | { ok: false; retryAfterS: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key (an API key's id or a client IP): each holds up to `burst` tokens and refills
 * at `rps` per second; a request takes one. Buckets that have refilled are forgotten, and the map is
 * bounded (`maxKeys`, oldest first dropped), so many distinct clients cannot grow memory without end.
 *
 * @example
 * const limits = new RateLimiter({ rps: 10, burst: 20 });
 * const t = limits.take('10.0.0.7'); // { ok: false, retryAfterS: 0.1 } when empty
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rps: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(o: { rps: number; burst: number; now?: () => number; maxKeys?: number }) {
    this.rps = o.rps;
    this.burst = Math.max(1, o.burst);
    this.now = o.now ?? (() => performance.now());
    this.maxKeys = o.maxKeys ?? 100_000;
  }

  take(key: string): Take {
    const now = this.now();
    const b = this.buckets.get(key);
    const tokens = b ? Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rps) : this.burst;
    if (tokens < 1) {
      if (b) {
        b.tokens = tokens;
        b.at = now;
      }
      return { ok: false, retryAfterS: (1 - tokens) / this.rps };
    }
    if (b) this.buckets.delete(key); // re-insert: the map stays in last-use order
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.prune(now);
    return { ok: true };
  }

  /** Buckets held (for tests and status). */
  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rps >= this.burst) this.buckets.delete(k);
    }
    // Still over: drop the least recently used (they start again with a full bucket).
    for (const k of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(k);
    }
  }
}
