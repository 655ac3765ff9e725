import type { Registry } from 'prom-client';
import { log } from '../../core/log.ts';
import { sampleBetween, type Sample } from './sample.ts';
import { readTotals, type Totals } from './totals.ts';

interface HistoryOptions {
  /** Sampling interval (ms); 2000 by default. */
  intervalMs?: number;
  /** Samples kept (the oldest go first); 150 by default: five minutes at 2 s. */
  keep?: number;
}

type Listener = (sample: Sample) => void;

/**
 * A few minutes of the gateway's own metrics, in memory: every `intervalMs` the Prometheus registry is read
 * (`readTotals`) and the figures since the previous reading (`sampleBetween`) are kept in a ring of `keep` samples
 * and handed to the listeners (the console's server-sent events). The timer does not keep the process alive.
 *
 * @example
 * const history = new MetricsHistory(metrics.registry);
 * history.start();
 * const off = history.subscribe((s) => console.log(s.models));
 */
export class MetricsHistory {
  readonly intervalMs: number;
  readonly keep: number;
  private readonly ring: Sample[] = [];
  private readonly listeners = new Set<Listener>();
  private last: Totals | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly registry: Registry,
    o: HistoryOptions = {},
  ) {
    this.intervalMs = o.intervalMs ?? 2000;
    this.keep = o.keep ?? 150;
  }

  /** Starts sampling (a first reading at once, the first sample one interval later). */
  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** The samples kept, oldest first. */
  samples(): readonly Sample[] {
    return this.ring;
  }

  /** Calls `listener` with each new sample; the returned function stops it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the registry and, after the first reading, records one sample (a reading still running is not doubled). */
  async tick(now = Date.now()): Promise<Sample | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    try {
      const totals = await readTotals(this.registry, now);
      const prev = this.last;
      this.last = totals;
      if (!prev) return undefined;
      const sample = sampleBetween(prev, totals);
      this.ring.push(sample);
      if (this.ring.length > this.keep) this.ring.splice(0, this.ring.length - this.keep);
      for (const listener of this.listeners) {
        try {
          listener(sample);
        } catch (e) {
          log.warn('metrics history listener failed', { error: String(e) });
        }
      }
      return sample;
    } catch (e) {
      log.warn('metrics history sample failed', { error: String(e) });
      return undefined;
    } finally {
      this.busy = false;
    }
  }
}
