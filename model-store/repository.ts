import { GatewayError, isGatewayError } from '../core/errors.ts';
import { log } from '../core/log.ts';
import { listModels, modelExists, scanModel, selectVersions, type ModelEntry, type VersionEntry } from './scan.ts';
import { checkModelName, checkVersion } from './names.ts';
import { scrubPaths, storeRoots } from './paths.ts';
import { verifyVersion } from './checksum.ts';
import {
  checkVersionLabel,
  isVersionLabel,
  readVersionLabels,
  writeVersionLabels,
  type VersionLabels,
} from './labels.ts';

/** Something loaded for one model version; `close()` must let in-flight work finish first. */
export interface LoadedVersion {
  readonly version: number;
  close(): Promise<void>;
  /** Liveness hook (worker supervision): false while the version has no live instance. Absent = live. */
  live?(): boolean;
}

type VersionLoader<T extends LoadedVersion> = (entry: ModelEntry, version: VersionEntry) => Promise<T>;

type ModelState = 'LOADING' | 'READY' | 'UNAVAILABLE';

interface LoadOptions {
  /**
   * The server was configured to serve this model (start-up): it counts for readiness even before
   * its first successful load. An explicit load counts only once it has succeeded.
   */
  required?: boolean;
  /**
   * Reload only a model that is serving when the load's turn comes (the store watcher): a model
   * unloaded meanwhile stays unloaded, and the call resolves false.
   */
  ifServing?: boolean;
}

interface IndexEntry {
  name: string;
  version?: string;
  state: ModelState;
  reason: string;
  /** Version labels pointing at this version (`stable`, `canary`…). */
  labels?: string[];
}

interface RepositoryOptions {
  /** Store folders that are not models (experiments declared in the store): left out of the index. */
  hidden?(name: string): boolean;
  /** Told of every load's outcome (metrics): the model, and the error when it failed. */
  onLoad?(name: string, error?: GatewayError): void;
}

interface Slot<T> {
  entry?: ModelEntry;
  versions: Map<number, T>;
  state: ModelState;
  reason: string;
  /** Serialises load and unload of this model. */
  lock: Promise<unknown>;
  /** Counts for readiness: configured at start-up or loaded successfully on request, and not unloaded since. */
  required: boolean;
  /** Operations queued on `lock`, the running one included. */
  pending: number;
  /** The last load's failure while older versions kept serving (the version it failed on, when known). */
  failed?: { version?: number | undefined; reason: string } | undefined;
  /** Version labels (label → version), read at each load, changed by setLabel/deleteLabel. */
  labels: VersionLabels;
  /** Loaded on first use (`defer`): not loaded yet, and no load of it tried since. */
  lazy: boolean;
  /** The first-use load in progress, shared by the requests that wait for it. */
  waking?: Promise<boolean> | undefined;
}

/**
 * The versioned model repository (Triton layout `<store>/<model>/<version>/`). Loads the versions a
 * model's policy selects and swaps them in atomically: new versions are loaded before the old ones are
 * closed (MLServer's rule), so at least one is always serving, and a failed load leaves the old ones in place.
 *
 * Names and readiness (the rules behind `/v2/health/ready` and the repository index):
 * - Every name is checked (model-store/names.ts) before anything is recorded: an invalid name is
 *   INVALID_NAME, a valid name with no folder in the store is MODEL_NOT_FOUND, and neither creates an
 *   entry. Entries exist only for folders of the store, so the index cannot grow from requests.
 * - The server is ready when it serves what it can: no *required* model is still loading (or has no live
 *   instance, its worker restarting), and at least one required model is READY unless none failed. Required: the
 *   models the server was configured to serve at start-up (`load(name, { required: true })`, even when that load
 *   failed), and every model an operator loaded successfully since; an unload makes a model not required. So a model
 *   that failed at start-up (ON_MODEL_ERROR=continue) stays UNAVAILABLE with its reason in the index and answers 503
 *   itself, while the server is ready for the others; if every required model failed, it is not ready.
 * - A deferred model (`defer`, config `"load": "lazy"`) is loaded on first use: `get` starts its load and answers
 *   MODEL_NOT_READY meanwhile, `acquire` waits for it. It does not count for readiness until it has loaded.
 * - A failed explicit load of a model that was not serving leaves it UNAVAILABLE in the index with the
 *   reason, and does not change readiness. A failed reload of a READY model leaves the old versions
 *   serving (still READY); the failure is returned to the caller, logged, and shown in the index as an
 *   UNAVAILABLE row for the version it failed on, until the next successful load or an unload.
 * - Versions served: those the version policy selects, plus every version a label points at. A request
 *   without a version gets the `stable` label's version when the model has one, else the newest.
 * - Error messages and reasons never carry absolute paths: paths are shown relative to the store or as
 *   `package:path` (full paths go to the log).
 */
export class ModelRepository<T extends LoadedVersion> {
  private readonly slots = new Map<string, Slot<T>>();

  constructor(
    readonly store: string,
    private readonly loader: VersionLoader<T>,
    private readonly options: RepositoryOptions = {},
  ) {}

  private slot(name: string): Slot<T> {
    let s = this.slots.get(name);
    if (!s) {
      s = {
        versions: new Map(),
        state: 'UNAVAILABLE',
        reason: 'not loaded',
        lock: Promise.resolve(),
        required: false,
        pending: 0,
        labels: {},
        lazy: false,
      };
      this.slots.set(name, s);
    }
    return s;
  }

  private exclusive<R>(name: string, work: (slot: Slot<T>) => Promise<R>): Promise<R> {
    const s = this.slot(name);
    s.pending += 1;
    const run = async () => {
      try {
        return await work(s);
      } finally {
        s.pending -= 1;
      }
    };
    const next = s.lock.then(run, run);
    s.lock = next.catch(() => undefined);
    return next;
  }

  /** Forgets an entry whose folder is gone, when nothing serves from it and nothing else waits on it. */
  private dropIfGone(name: string, s: Slot<T>): void {
    if (
      s.pending <= 1 &&
      !s.required &&
      s.versions.size === 0 &&
      this.slots.get(name) === s &&
      !modelExists(this.store, name)
    )
      this.slots.delete(name);
  }

  /** `message` with absolute paths replaced by store- or package-relative ones (full paths stay in logs). */
  private scrub(message: string): string {
    return scrubPaths(message, storeRoots(this.store));
  }

  /** A load failure as returned to clients: its code kept (or MODEL_LOAD_FAILED), its message scrubbed. */
  private loadError(name: string, e: unknown): GatewayError {
    const message = this.scrub(e instanceof Error ? e.message : String(e));
    const code =
      isGatewayError(e) && ['CONFIG_INVALID', 'MODEL_NOT_FOUND', 'INVALID_NAME'].includes(e.code)
        ? e.code
        : 'MODEL_LOAD_FAILED';
    const named = message.startsWith(`model '${name}'`) ? message : `model '${name}' failed to load: ${message}`;
    return new GatewayError(code, named, { cause: e });
  }

  /**
   * (Re)loads a model from disk: a hot swap when it is already serving. Each model file is checked
   * against the sha256 its config names before any worker starts. See the class comment for what a
   * failure does to readiness. Resolves true once loaded (false: `ifServing` and it was not serving).
   */
  async load(name: string, options: LoadOptions = {}): Promise<boolean> {
    checkModelName(name);
    if (!this.slots.has(name) && !modelExists(this.store, name))
      throw new GatewayError('MODEL_NOT_FOUND', `model '${name}' is not in the repository`);
    return this.exclusive(name, async (s) => {
      if (options.ifServing && s.versions.size === 0) return false;
      if (options.required) s.required = true;
      s.lazy = false;
      const wasReady = s.state === 'READY';
      if (!wasReady) s.state = 'LOADING';
      let entry: ModelEntry;
      const fresh = new Map<number, T>();
      let current: number | undefined; // the version being checked or loaded, for the index
      try {
        entry = scanModel(this.store, name);
        s.labels = readVersionLabels(entry.dir, entry.config.versionLabels, name);
        // The policy's versions, and every version a label points at: a labelled version stays loaded.
        const policy = selectVersions(entry);
        const labelled = new Set(Object.values(s.labels));
        const selected = entry.versions.filter((v) => policy.includes(v) || labelled.has(v.version));
        for (const v of selected) {
          current = v.version;
          await verifyVersion(entry, v);
        }
        for (const v of selected) {
          current = v.version;
          fresh.set(v.version, await this.loader(entry, v));
        }
      } catch (e) {
        await Promise.all([...fresh.values()].map((l) => l.close()));
        const error = this.loadError(name, e);
        if (!wasReady) {
          s.state = 'UNAVAILABLE';
          s.reason = error.message;
          this.dropIfGone(name, s);
        } else {
          s.failed = { version: current, reason: error.message };
        }
        log.error('model load failed', { model: name, version: current, error: String(e), stillServing: wasReady });
        this.options.onLoad?.(name, error);
        throw error;
      }
      const old = s.versions;
      s.required = true;
      s.entry = entry;
      s.versions = fresh;
      s.state = 'READY';
      s.reason = '';
      s.failed = undefined;
      log.info('model ready', { model: name, versions: [...fresh.keys()] });
      this.options.onLoad?.(name);
      await Promise.all([...old.values()].map((l) => l.close()));
      return true;
    });
  }

  /** Stops serving a model (it no longer counts for readiness); in-flight requests finish first. */
  async unload(name: string): Promise<void> {
    checkModelName(name);
    if (!this.slots.has(name)) {
      if (!modelExists(this.store, name))
        throw new GatewayError('MODEL_NOT_FOUND', `model '${name}' is not in the repository`);
      return; // in the store but never loaded: nothing to stop, nothing to record
    }
    return this.exclusive(name, async (s) => {
      const old = s.versions;
      s.versions = new Map();
      s.state = 'UNAVAILABLE';
      s.reason = 'unloaded';
      s.required = false;
      s.lazy = false;
      s.failed = undefined;
      await Promise.all([...old.values()].map((l) => l.close()));
      log.info('model unloaded', { model: name });
      this.dropIfGone(name, s);
    });
  }

  /**
   * Records a model of the store as loaded on first use (config `"load": "lazy"`): it is not loaded now, shows in the
   * index as UNAVAILABLE saying so, does not count for readiness, and the first `get` or `acquire` loads it.
   */
  defer(name: string): void {
    checkModelName(name);
    if (!modelExists(this.store, name))
      throw new GatewayError('MODEL_NOT_FOUND', `model '${name}' is not in the repository`);
    const s = this.slot(name);
    if (s.versions.size > 0 || s.pending > 0) return;
    s.lazy = true;
    s.reason = LAZY;
  }

  /**
   * The version to serve, as `get` finds it, except that a deferred model not loaded yet is loaded first (one load
   * for all the requests that wait for it). Its load failing answers the load's error.
   */
  async acquire(name: string, version?: string): Promise<T> {
    const s = this.slots.get(name);
    // A failed load is logged and in the index; `get` then answers MODEL_NOT_READY with its reason.
    if (s?.lazy || s?.waking) await this.wake(name, s).catch(() => undefined);
    return this.get(name, version);
  }

  /** Starts (or joins) the first-use load of a deferred model. */
  private wake(name: string, s: Slot<T>): Promise<boolean> {
    if (!s.waking) {
      log.info('loading a lazy model on first use', { model: name });
      s.waking = this.load(name).finally(() => {
        s.waking = undefined;
      });
      s.waking.catch(() => undefined); // answered to whoever waits; the failure is logged and in the index
    }
    return s.waking;
  }

  /**
   * The loaded version to serve: the newest when `version` is absent.
   * Unknown model or version → 404 codes; known but not loaded → MODEL_NOT_READY. A deferred model not loaded yet
   * starts loading (MODEL_NOT_READY with a retry delay meanwhile) unless `wake` is false.
   */
  get(name: string, version?: string, wake = true): T {
    checkModelName(name); // INVALID_NAME (400) for any name that could not be a model
    const s = this.slots.get(name);
    if (!s) throw new GatewayError('MODEL_NOT_FOUND', `model '${name}' is not in the repository`);
    if ((s.lazy || s.waking) && s.versions.size === 0) {
      if (wake) void this.wake(name, s).catch(() => undefined);
      const why = s.waking ? 'is loading on first use; retry shortly' : LAZY;
      throw new GatewayError('MODEL_NOT_READY', `model '${name}' ${why}`, { retryAfterS: 1 });
    }
    if (version !== undefined) {
      let n: number;
      if (isVersionLabel(version)) {
        const labelled = s.labels[version];
        if (labelled === undefined)
          throw new GatewayError('VERSION_NOT_FOUND', `model '${name}' has no version label '${version}'`);
        n = labelled;
      } else n = checkVersion(version); // INVALID_NAME (400) for anything but a positive integer or a label
      const loaded = s.versions.get(n);
      if (loaded) return liveOrThrow(name, loaded);
      if (s.entry?.versions.some((v) => v.version === n) && s.state !== 'READY') {
        throw new GatewayError('MODEL_NOT_READY', `model '${name}' version ${version} is not loaded`, {
          retryAfterS: 1,
        });
      }
      throw new GatewayError('VERSION_NOT_FOUND', `model '${name}' has no loaded version '${version}'`);
    }
    const newest = defaultVersion(s);
    if (newest === undefined)
      throw new GatewayError('MODEL_NOT_READY', `model '${name}' is not ready (${s.reason || s.state.toLowerCase()})`, {
        retryAfterS: 1,
      });
    return liveOrThrow(name, s.versions.get(newest)!);
  }

  /**
   * The version a request without a version gets (the `stable` label's when loaded, else the newest); undefined when
   * none is loaded.
   */
  defaultVersion(name: string): number | undefined {
    const s = this.slots.get(name);
    return s ? defaultVersion(s) : undefined;
  }

  /** Every loaded version of a model, newest first. */
  versionsOf(name: string): T[] {
    const s = this.slots.get(name);
    return s ? [...s.versions.values()].sort((a, b) => b.version - a.version) : [];
  }

  /** A model's version labels (label → version). */
  labelsOf(name: string): VersionLabels {
    return { ...this.slots.get(name)?.labels };
  }

  /**
   * Points `label` at a loaded `version` of a model and persists the model's labels
   * (`<store>/<model>/version-labels.json`, written atomically). A version that is not loaded is
   * refused (INVALID_INPUT): a label never points at nothing when it is set.
   */
  async setLabel(name: string, label: string, version: number): Promise<void> {
    await this.changeLabels(name, label, (s) => {
      if (!s.versions.has(version)) {
        throw new GatewayError(
          'INVALID_INPUT',
          `model '${name}' has no loaded version ${version} (loaded: ${[...s.versions.keys()].join(', ') || 'none'}); label '${label}' not set`,
        );
      }
      return { ...s.labels, [label]: version };
    });
    log.info('version label set', { model: name, label, version });
  }

  /** Removes a version label (VERSION_NOT_FOUND when the model has no such label) and persists the rest. */
  async deleteLabel(name: string, label: string): Promise<void> {
    await this.changeLabels(name, label, (s) => {
      if (!(label in s.labels))
        throw new GatewayError('VERSION_NOT_FOUND', `model '${name}' has no version label '${label}'`);
      const { [label]: _gone, ...rest } = s.labels;
      return rest;
    });
    log.info('version label deleted', { model: name, label });
  }

  /**
   * Under the model's lock: the labels `next` makes (it throws for a change that cannot be made), persisted, then in
   * force.
   */
  private async changeLabels(name: string, label: string, next: (s: Slot<T>) => VersionLabels): Promise<void> {
    checkModelName(name);
    checkVersionLabel(label);
    if (!this.slots.has(name)) throw new GatewayError('MODEL_NOT_FOUND', `model '${name}' is not loaded`);
    await this.exclusive(name, async (s) => {
      const labels = next(s);
      if (!s.entry) throw new GatewayError('MODEL_NOT_READY', `model '${name}' is not loaded`);
      writeVersionLabels(s.entry.dir, labels);
      s.labels = labels;
    });
  }

  /** The model folder as last read from disk. */
  entryOf(name: string): ModelEntry | undefined {
    return this.slots.get(name)?.entry;
  }

  /**
   * The repository index: each model (and loaded version) with its state. When the last reload of a
   * serving model failed, one more row shows it: the version it failed on (when known) as UNAVAILABLE
   * with the reason, beside the READY rows of the versions still serving.
   */
  index(): IndexEntry[] {
    const rows: IndexEntry[] = [];
    const names = new Set([...this.slots.keys(), ...safeList(this.store)]);
    for (const name of [...names].sort()) {
      const s = this.slots.get(name);
      if (!s && this.options.hidden?.(name)) continue;
      if (!s) rows.push({ name, state: 'UNAVAILABLE', reason: 'not loaded' });
      else if (s.versions.size === 0) rows.push({ name, state: s.state, reason: s.reason });
      else {
        for (const [v, l] of s.versions) {
          const labels = Object.keys(s.labels)
            .filter((k) => s.labels[k] === v)
            .sort();
          rows.push({
            name,
            version: String(v),
            ...(s.state === 'READY' && !isLive(l)
              ? { state: 'UNAVAILABLE', reason: NOT_LIVE }
              : { state: s.state, reason: s.reason }),
            ...(labels.length ? { labels } : {}),
          });
        }
      }
      if (s?.failed && s.versions.size > 0) {
        // A version that still serves (a failed reload of its changed files) keeps its READY row: the failure is the
        // model's.
        const version =
          s.failed.version !== undefined && !s.versions.has(s.failed.version)
            ? { version: String(s.failed.version) }
            : {};
        rows.push({ name, ...version, state: 'UNAVAILABLE', reason: s.failed.reason });
      }
    }
    return rows;
  }

  /**
   * True when the server serves what it can (see the class comment): no required model loading or without a live
   * instance, and a required model serving unless none failed.
   */
  ready(): boolean {
    let serving = 0;
    let failed = 0;
    for (const s of this.slots.values()) {
      if (!s.required) continue;
      if (s.state === 'LOADING') return false;
      if (s.state !== 'READY') failed += 1;
      else if (!allLive(s.versions)) return false;
      else serving += 1;
    }
    return serving > 0 || failed === 0;
  }

  /** Models the server was configured to serve (required) that are not serving: their load failed. */
  unavailableModels(): string[] {
    return [...this.slots.entries()]
      .filter(([, s]) => s.required && s.state === 'UNAVAILABLE')
      .map(([n]) => n)
      .sort();
  }

  /** Every model the repository has an entry for, and whether it serves now (READY with a live instance). */
  states(): Array<{ name: string; ready: boolean }> {
    return [...this.slots.entries()].map(([name, s]) => ({ name, ready: s.state === 'READY' && allLive(s.versions) }));
  }

  /** Names of the models currently serving. */
  readyModels(): string[] {
    return [...this.slots.entries()]
      .filter(([, s]) => s.state === 'READY' && allLive(s.versions))
      .map(([n]) => n)
      .sort();
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.slots.keys()].map((n) =>
        this.exclusive(n, async (s) => {
          await Promise.all([...s.versions.values()].map((l) => l.close()));
          s.versions = new Map();
          s.state = 'UNAVAILABLE';
        }),
      ),
    );
  }
}

/** The label that names a model's default version: requests without a version go to it while it is loaded. */
export const DEFAULT_LABEL = 'stable';

function defaultVersion<T>(s: Slot<T>): number | undefined {
  const stable = s.labels[DEFAULT_LABEL];
  if (stable !== undefined && s.versions.has(stable)) return stable;
  return [...s.versions.keys()].sort((a, b) => b - a)[0];
}

/** The index reason of a deferred model not loaded yet. */
const LAZY = 'not loaded yet: loads on its first request ("load": "lazy")';

// Liveness hook (worker supervision): a loaded version whose instances are all dead is not ready.
const NOT_LIVE = 'no live instance (model worker exited; restarting)';
const isLive = (l: LoadedVersion): boolean => l.live?.() !== false;
const allLive = (versions: Map<number, LoadedVersion>): boolean => [...versions.values()].every(isLive);
function liveOrThrow<T extends LoadedVersion>(name: string, l: T): T {
  if (!isLive(l))
    throw new GatewayError('MODEL_NOT_READY', `model '${name}' version ${l.version} is not ready: ${NOT_LIVE}`, {
      retryAfterS: 1,
    });
  return l;
}

function safeList(store: string): string[] {
  try {
    return listModels(store);
  } catch {
    return [];
  }
}
