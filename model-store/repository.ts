import { GatewayError, isGatewayError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { listModels, scanModel, selectVersions, type ModelEntry, type VersionEntry } from './scan.ts';

/** Something loaded for one model version; `close()` must let in-flight work finish first. */
export interface LoadedVersion {
  readonly version: number;
  close(): Promise<void>;
  /** Liveness hook (worker supervision): false while the version has no live instance. Absent = live. */
  live?(): boolean;
}

export type VersionLoader<T extends LoadedVersion> = (entry: ModelEntry, version: VersionEntry) => Promise<T>;

export type ModelState = 'LOADING' | 'READY' | 'UNAVAILABLE';

export interface IndexEntry {
  name: string;
  version?: string;
  state: ModelState;
  reason: string;
}

interface Slot<T> {
  entry?: ModelEntry;
  versions: Map<number, T>;
  state: ModelState;
  reason: string;
  /** Serialises load and unload of this model. */
  lock: Promise<unknown>;
}

/**
 * The versioned model repository (Triton layout `<store>/<model>/<version>/`). Loads the versions a
 * model's policy selects and swaps them in atomically: new versions are loaded before the old ones are
 * closed (MLServer's rule), so at least one is always serving, and a failed load leaves the old ones in place.
 */
export class ModelRepository<T extends LoadedVersion> {
  private readonly slots = new Map<string, Slot<T>>();

  constructor(readonly store: string, private readonly loader: VersionLoader<T>) {}

  /** Loads every model in the store; returns the failures (name → message) instead of stopping at the first. */
  async loadAll(): Promise<Map<string, string>> {
    const failures = new Map<string, string>();
    for (const name of listModels(this.store)) {
      try {
        await this.load(name);
      } catch (e) {
        failures.set(name, e instanceof Error ? e.message : String(e));
      }
    }
    return failures;
  }

  private slot(name: string): Slot<T> {
    let s = this.slots.get(name);
    if (!s) {
      s = { versions: new Map(), state: 'UNAVAILABLE', reason: 'not loaded', lock: Promise.resolve() };
      this.slots.set(name, s);
    }
    return s;
  }

  private exclusive<R>(name: string, work: (slot: Slot<T>) => Promise<R>): Promise<R> {
    const s = this.slot(name);
    const next = s.lock.then(() => work(s), () => work(s));
    s.lock = next.catch(() => undefined);
    return next;
  }

  /** (Re)loads a model from disk: a hot swap when it is already serving. */
  load(name: string): Promise<void> {
    return this.exclusive(name, async (s) => {
      const wasReady = s.state === 'READY';
      if (!wasReady) s.state = 'LOADING';
      let entry: ModelEntry;
      const fresh = new Map<number, T>();
      try {
        entry = scanModel(this.store, name);
        for (const v of selectVersions(entry)) fresh.set(v.version, await this.loader(entry, v));
      } catch (e) {
        await Promise.all([...fresh.values()].map((l) => l.close()));
        if (!wasReady) {
          s.state = 'UNAVAILABLE';
          s.reason = e instanceof Error ? e.message : String(e);
          if (isGatewayError(e) && e.code === 'MODEL_NOT_FOUND') this.slots.delete(name);
        }
        log.error('model load failed', { model: name, error: String(e), stillServing: wasReady });
        if (isGatewayError(e) && (e.code === 'CONFIG_INVALID' || e.code === 'MODEL_NOT_FOUND')) throw e;
        throw new GatewayError('MODEL_LOAD_FAILED', `model '${name}' failed to load: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      const old = s.versions;
      s.entry = entry;
      s.versions = fresh;
      s.state = 'READY';
      s.reason = '';
      log.info('model ready', { model: name, versions: [...fresh.keys()] });
      await Promise.all([...old.values()].map((l) => l.close()));
    });
  }

  /** Stops serving a model; in-flight requests finish first. */
  unload(name: string): Promise<void> {
    if (!this.slots.has(name)) {
      scanModel(this.store, name); // throws MODEL_NOT_FOUND for unknown models
    }
    return this.exclusive(name, async (s) => {
      const old = s.versions;
      s.versions = new Map();
      s.state = 'UNAVAILABLE';
      s.reason = 'unloaded';
      await Promise.all([...old.values()].map((l) => l.close()));
      log.info('model unloaded', { model: name });
    });
  }

  /**
   * The loaded version to serve: the newest when `version` is absent.
   * Unknown model or version → 404 codes; known but not loaded → MODEL_NOT_READY.
   */
  get(name: string, version?: string): T {
    const s = this.slots.get(name);
    if (!s) throw new GatewayError('MODEL_NOT_FOUND', `model '${name}' is not in the repository`);
    if (version !== undefined) {
      const n = /^[1-9][0-9]*$/.test(version) ? Number(version) : NaN;
      const loaded = s.versions.get(n);
      if (loaded) return liveOrThrow(name, loaded);
      if (s.entry && s.entry.versions.some((v) => v.version === n) && s.state !== 'READY') {
        throw new GatewayError('MODEL_NOT_READY', `model '${name}' version ${version} is not loaded`, { retryAfterS: 1 });
      }
      throw new GatewayError('VERSION_NOT_FOUND', `model '${name}' has no loaded version '${version}'`);
    }
    const newest = [...s.versions.keys()].sort((a, b) => b - a)[0];
    if (newest === undefined) throw new GatewayError('MODEL_NOT_READY', `model '${name}' is not ready (${s.reason || s.state.toLowerCase()})`, { retryAfterS: 1 });
    return liveOrThrow(name, s.versions.get(newest)!);
  }

  /** Every loaded version of a model, newest first. */
  versionsOf(name: string): T[] {
    const s = this.slots.get(name);
    return s ? [...s.versions.values()].sort((a, b) => b.version - a.version) : [];
  }

  /** The model folder as last read from disk. */
  entryOf(name: string): ModelEntry | undefined {
    return this.slots.get(name)?.entry;
  }

  /** The repository index: each model (and loaded version) with its state. */
  index(): IndexEntry[] {
    const rows: IndexEntry[] = [];
    const names = new Set([...this.slots.keys(), ...safeList(this.store)]);
    for (const name of [...names].sort()) {
      const s = this.slots.get(name);
      if (!s) rows.push({ name, state: 'UNAVAILABLE', reason: 'not loaded' });
      else if (s.versions.size === 0) rows.push({ name, state: s.state, reason: s.reason });
      else for (const [v, l] of s.versions) rows.push({ name, version: String(v), ...(s.state === 'READY' && !isLive(l) ? { state: 'UNAVAILABLE', reason: NOT_LIVE } : { state: s.state, reason: s.reason }) });
    }
    return rows;
  }

  /** True when every model that was asked to load is serving. */
  ready(): boolean {
    return [...this.slots.values()].every((s) => (s.state === 'READY' && allLive(s.versions)) || s.reason === 'unloaded');
  }

  /** Names of the models currently serving. */
  readyModels(): string[] {
    return [...this.slots.entries()].filter(([, s]) => s.state === 'READY' && allLive(s.versions)).map(([n]) => n).sort();
  }

  async close(): Promise<void> {
    await Promise.all([...this.slots.keys()].map((n) => this.exclusive(n, async (s) => {
      await Promise.all([...s.versions.values()].map((l) => l.close()));
      s.versions = new Map();
      s.state = 'UNAVAILABLE';
    })));
  }
}

// Liveness hook (worker supervision): a loaded version whose instances are all dead is not ready.
const NOT_LIVE = 'no live instance (model worker exited; restarting)';
const isLive = (l: LoadedVersion): boolean => l.live?.() !== false;
const allLive = (versions: Map<number, LoadedVersion>): boolean => [...versions.values()].every(isLive);
function liveOrThrow<T extends LoadedVersion>(name: string, l: T): T {
  if (!isLive(l)) throw new GatewayError('MODEL_NOT_READY', `model '${name}' version ${l.version} is not ready: ${NOT_LIVE}`, { retryAfterS: 1 });
  return l;
}

function safeList(store: string): string[] {
  try {
    return listModels(store);
  } catch {
    return [];
  }
}
