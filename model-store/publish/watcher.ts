import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { log } from '../../core/log.ts';
import type { LoadedVersion } from '../repository.ts';
import { listModels, type ModelEntry } from '../scan.ts';
import { sightVersions } from './fingerprint.ts';

/** The part of the ModelRepository the watcher uses. */
interface WatchedRepository {
  readonly store: string;
  versionsOf(name: string): readonly LoadedVersion[];
  entryOf(name: string): ModelEntry | undefined;
  load(name: string, options: { ifServing: true }): Promise<boolean>;
}

interface WatcherOptions {
  /** Interval between polls of the store, in ms. */
  pollMs: number;
  /** Polls a version folder without a READY marker must stay unchanged before it is loaded (default 2). */
  stablePolls?: number;
  /** Also react to fs.watch events (default true; polling goes on either way). */
  fsWatch?: boolean;
}

/** What a check did for one model: emitted as `publish` once its load has finished. */
export interface PublishEvent {
  model: string;
  /** Version folders on disk when the load started. */
  versions: number[];
  ok: boolean;
  error?: string;
}

interface ModelWatch {
  /** The model folder as the last load read it: a new one (any load, an API call included) resets `acted`. */
  entry: ModelEntry;
  /** Version → fingerprint at the last load (or when watching began): changes are relative to this. */
  acted: Map<number, string>;
  /** Version → fingerprint at the last poll and how many polls in a row it has stayed so. */
  seen: Map<number, { fingerprint: string; polls: number }>;
}

/**
 * Publishing without a call: watches the version folders of every model that is serving and reloads a
 * model (`repository.load`, the same load-then-swap as `POST /v2/repository/models/{m}/load`) once its
 * version folders changed — a version added, changed or removed — and every new or changed one is
 * complete. Complete means: it holds a `READY` file, or its files (names, sizes, mtimes) stayed the same
 * for `stablePolls` polls in a row. Hidden or non-numeric folders are not versions, so `mv .tmp-3 3`
 * publishes atomically. A load that fails is not retried until the version folders change again; what
 * any load (an API call included) read becomes the new baseline, so it is not loaded twice.
 * Models that are not serving (never loaded, unloaded, failed at start-up) and ensembles are not watched.
 *
 * Emits `checked` (trigger: 'poll' | 'event') after each check and `publish` (PublishEvent) after each load.
 *
 * @example
 * const watcher = new StoreWatcher(repository, { pollMs: 2000 });
 * watcher.start();
 */
export class StoreWatcher extends EventEmitter {
  /** Checks done, loads started, loads failed. */
  readonly stats = { checks: 0, loads: 0, failures: 0 };
  private readonly models = new Map<string, ModelWatch>();
  private readonly stablePolls: number;
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private fsWatcher: FSWatcher | undefined;
  private stopped = false;

  constructor(
    private readonly repository: WatchedRepository,
    private readonly options: WatcherOptions,
  ) {
    super();
    this.stablePolls = options.stablePolls ?? 2;
  }

  /**
   * Starts polling (and fs.watch where it works). Models serving now are the baseline: nothing is reloaded for them.
   */
  start(): void {
    if (this.options.fsWatch !== false) this.startFsWatch();
    const tick = () => {
      this.timer = undefined;
      void this.check('poll').finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  private startFsWatch(): void {
    try {
      this.fsWatcher = watch(this.repository.store, { recursive: true, persistent: false }, () => {
        if (this.stopped || this.debounce) return;
        this.debounce = setTimeout(() => {
          this.debounce = undefined;
          void this.check('event');
        }, 50).unref();
      });
      this.fsWatcher.on('error', (e) => {
        log.warn('store fs.watch failed; polling only', { error: String(e) });
        this.fsWatcher?.close();
        this.fsWatcher = undefined;
      });
    } catch (e) {
      log.warn('store fs.watch unavailable; polling only', { error: String(e) });
    }
  }

  /**
   * Looks at the store once and loads what is ready to publish. A 'poll' counts towards the stability
   * of version folders; an 'event' (fs.watch) only acts on folders with a READY marker or already
   * settled. Checks never overlap: each waits for the previous one.
   */
  check(trigger: 'poll' | 'event' = 'poll'): Promise<void> {
    const next = this.running.then(() => this.checkOnce(trigger));
    this.running = next.catch((e) => log.error('store check failed', { error: String(e) }));
    return next;
  }

  private serving(): Array<{ name: string; entry: ModelEntry }> {
    let names: string[];
    try {
      names = listModels(this.repository.store);
    } catch {
      return []; // the store itself is gone: keep serving what is loaded
    }
    const out: Array<{ name: string; entry: ModelEntry }> = [];
    for (const name of names) {
      const entry = this.repository.entryOf(name);
      if (entry && !entry.config.ensemble && this.repository.versionsOf(name).length > 0) out.push({ name, entry });
    }
    return out;
  }

  private async checkOnce(trigger: 'poll' | 'event'): Promise<void> {
    if (this.stopped) return;
    const serving = this.serving();
    const names = new Set(serving.map((m) => m.name));
    for (const name of [...this.models.keys()]) if (!names.has(name)) this.models.delete(name);
    for (const { name, entry } of serving) {
      if (this.stopped) return;
      const now = new Map([...sightVersions(entry.dir)].filter(([, s]) => !s.empty));
      let w = this.models.get(name);
      if (!w || w.entry !== entry) {
        // Baseline: the versions the last load saw (so a folder added since that load is still news).
        w = {
          entry,
          acted: new Map(entry.versions.map((v) => [v.version, now.get(v.version)?.fingerprint ?? ''])),
          seen: w?.seen ?? new Map(),
        };
        this.models.set(name, w);
      }
      const seen = new Map<number, { fingerprint: string; polls: number }>();
      for (const [v, s] of now) {
        const before = w.seen.get(v);
        const same = before?.fingerprint === s.fingerprint;
        seen.set(v, { fingerprint: s.fingerprint, polls: same ? before!.polls + (trigger === 'poll' ? 1 : 0) : 0 });
      }
      w.seen = seen;
      const changed = [...now].filter(([v, s]) => w!.acted.get(v) !== s.fingerprint);
      const removed = [...w.acted.keys()].filter((v) => !now.has(v));
      if (changed.length === 0 && removed.length === 0) continue;
      const unsettled = changed.filter(([v, s]) => !s.ready && seen.get(v)!.polls < this.stablePolls);
      if (unsettled.length) continue;
      w.acted = new Map([...now].map(([v, s]) => [v, s.fingerprint]));
      await this.publish(
        name,
        [...now.keys()].sort((a, b) => b - a),
        changed.map(([v]) => v),
        removed,
      );
    }
    this.stats.checks++;
    this.emit('checked', trigger);
  }

  private async publish(model: string, versions: number[], changed: number[], removed: number[]): Promise<void> {
    this.stats.loads++;
    log.info('store change: loading', { model, changed, removed });
    let event: PublishEvent;
    try {
      if (!(await this.repository.load(model, { ifServing: true }))) return; // unloaded meanwhile: not ours to bring back
      event = { model, versions, ok: true };
    } catch (e) {
      this.stats.failures++;
      event = { model, versions, ok: false, error: e instanceof Error ? e.message : String(e) };
      log.warn('store change not published; still serving the previous versions', { model, error: event.error });
    }
    this.emit('publish', event);
  }

  /** Stops polling and watching; waits for a check in progress (and its load) to finish. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.fsWatcher?.close();
    await this.running;
  }
}
