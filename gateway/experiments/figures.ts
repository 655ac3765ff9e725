import { percentiles } from '../../core/percentile.ts';

/** Recent samples in a fixed ring (the newest `size` values), for percentiles over recent traffic. */
class Reservoir {
  private readonly values: Float64Array;
  private n = 0;

  constructor(readonly size = 2048) {
    this.values = new Float64Array(size);
  }

  add(v: number): void {
    this.values[this.n % this.size] = v;
    this.n += 1;
  }

  /** p50/p95/p99 (nearest rank) of the samples held, rounded to 0.001; null when empty. */
  percentiles(): { p50: number; p95: number; p99: number; samples: number } | null {
    const count = Math.min(this.n, this.size);
    if (count === 0) return null;
    const [p50, p95, p99] = percentiles(this.values.subarray(0, count), [50, 95, 99]).map(
      (v) => Math.round(v * 1000) / 1000,
    ) as [number, number, number];
    return { p50, p95, p99, samples: count };
  }
}

/** Counts per label, at most `max` distinct labels (the rest count under `(other)`). */
class LabelCounts {
  private readonly counts = new Map<string, number>();
  constructor(private readonly max = 100) {}

  add(label: string): void {
    const key = this.counts.has(label) || this.counts.size < this.max ? label : '(other)';
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort((a, b) => b[1] - a[1]));
  }
}

/** What a shadow copy did, compared with the control's answer. */
export interface ShadowOutcome {
  /** Same top label(s) as the control; undefined when there were no labels to compare. */
  agreed?: boolean;
  /** Largest absolute difference between numeric outputs; undefined when not comparable. */
  maxAbsDiff?: number;
  latencyMs: number;
  error?: string;
}

/** The figures of one variant: traffic served, errors, latency, top labels, and as a shadow its agreement. */
export class VariantFigures {
  requests = 0;
  errors = 0;
  readonly errorCodes = new Map<string, number>();
  readonly latency = new Reservoir();
  readonly topLabels = new LabelCounts();
  rewards = 0;
  rewardSum = 0;
  /** The last shadow failure's message (for the figures). */
  shadowError?: string;
  readonly shadow = {
    copies: 0,
    dropped: 0,
    failed: 0,
    compared: 0,
    agreed: 0,
    disagreed: 0,
    maxAbsDiff: 0,
    latency: new Reservoir(),
  };

  served(ms: number, code?: string): void {
    this.requests += 1;
    this.latency.add(ms);
    if (code !== undefined) {
      this.errors += 1;
      this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
    }
  }

  shadowed(o: ShadowOutcome): void {
    this.shadow.copies += 1;
    this.shadow.latency.add(o.latencyMs);
    if (o.error !== undefined) {
      this.shadow.failed += 1;
      this.shadowError = o.error.slice(0, 300);
      return;
    }
    if (o.agreed !== undefined || o.maxAbsDiff !== undefined) this.shadow.compared += 1;
    if (o.agreed === true) this.shadow.agreed += 1;
    if (o.agreed === false) this.shadow.disagreed += 1;
    if (o.maxAbsDiff !== undefined && o.maxAbsDiff > this.shadow.maxAbsDiff) this.shadow.maxAbsDiff = o.maxAbsDiff;
  }

  rewarded(r: number): void {
    this.rewards += 1;
    this.rewardSum += r;
  }

  toJSON(isShadow: boolean): Record<string, unknown> {
    const base = {
      requests: this.requests,
      errors: this.errors,
      ...(this.errorCodes.size ? { error_codes: Object.fromEntries(this.errorCodes) } : {}),
      latency_ms: this.latency.percentiles(),
      top_labels: this.topLabels.toJSON(),
      feedback: { count: this.rewards, mean_reward: this.rewards ? this.rewardSum / this.rewards : null },
    };
    if (!isShadow) return base;
    const s = this.shadow;
    return {
      ...base,
      shadow: {
        copies: s.copies,
        dropped: s.dropped,
        failed: s.failed,
        compared: s.compared,
        agreed: s.agreed,
        disagreed: s.disagreed,
        agreement: s.agreed + s.disagreed ? s.agreed / (s.agreed + s.disagreed) : null,
        max_abs_diff: s.compared ? s.maxAbsDiff : null,
        latency_ms: s.latency.percentiles(),
        ...(this.shadowError !== undefined ? { last_error: this.shadowError } : {}),
      },
    };
  }
}
