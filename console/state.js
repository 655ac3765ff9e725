// @ts-check
import { api, ApiError, seg } from './api.js';

/**
 * @typedef {{ name: string, version?: string, state: string, reason: string, labels?: string[] }} IndexRow
 * @typedef {{ p50: number, p95: number, p99: number }} Percentiles
 * @typedef {{ rps: number, error_rps: number, latency_ms: Percentiles | null, batch_size: number | null,
 *   queue: number, instances: number, live_instances: number, cache_hit_rate: number | null }} ModelSample
 * @typedef {{ t: number, interval_s: number, http_rps: number, models: Record<string, ModelSample> }} Sample
 * @typedef {{ name: string, versions: string[], platform: string,
 *   inputs: Array<{ name: string, datatype: string, shape: number[] }>,
 *   outputs: Array<{ name: string, datatype: string, shape: number[] }>, parameters: Record<string, any> }} Metadata
 */

/** Everything the page shows, as last read from the gateway. */
export const state = {
  /** @type {{ name: string, version: string } | null} GET /v2 */
  server: null,
  /** @type {IndexRow[]} POST /v2/repository/index */
  index: [],
  /** @type {Map<string, Metadata>} GET /v2/models/{m}/versions/{v}, by "name/version" */
  meta: new Map(),
  /** @type {any[]} GET /v1/experiments */
  experiments: [],
  /** @type {any[]} GET /v1/jobs */
  jobs: [],
  /** @type {{ interval_s: number, keep: number, samples: Sample[] }} GET /v1/metrics/history */
  history: { interval_s: 2, keep: 150, samples: [] },
  /** @type {ApiError | null} why the last refresh failed, if it did */
  error: /** @type {ApiError | null} */ (null),
  /** Refreshes done (views use it to tell a first paint from an update). */
  generation: 0,
};

/** @type {Set<() => void>} */
const listeners = new Set();

/**
 * Calls `listener` after every refresh; the returned function stops it.
 *
 * @param {() => void} listener
 */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Metadata of a model's default row: its `stable` label's version when loaded, else the newest loaded one. */
export function metadataOf(/** @type {string} */ name) {
  const rows = state.index.filter((r) => r.name === name && r.version !== undefined && r.state === 'READY');
  const stable = rows.find((r) => r.labels?.includes('stable'));
  const newest = rows.sort((a, b) => Number(b.version) - Number(a.version))[0];
  const row = stable ?? newest;
  return row ? state.meta.get(`${name}/${row.version}`) : undefined;
}

let ticks = 0;
/** The gateway refused the page's key: polling waits until a key is given (no request every 2 s that must fail). */
let waitingForKey = false;

/** Reads the metadata of loaded versions not seen yet (and of all of them every fifth refresh: instances change). */
async function refreshMetadata() {
  const rows = state.index.filter((r) => r.version !== undefined && r.state === 'READY');
  const all = ticks % 5 === 0;
  const wanted = rows.filter((r) => all || !state.meta.has(`${r.name}/${r.version}`));
  const read = await Promise.all(
    wanted.map((r) =>
      api('GET', `/v2/models/${seg(r.name)}/versions/${seg(/** @type {string} */ (r.version))}`).catch(() => undefined),
    ),
  );
  wanted.forEach((r, i) => {
    if (read[i]) state.meta.set(`${r.name}/${r.version}`, read[i]);
  });
}

/** Reads the metrics samples taken since the last one held (all of them the first time), keeping `keep`. */
async function refreshHistory() {
  const last = state.history.samples.at(-1)?.t;
  const h = await api('GET', `/v1/metrics/history${last === undefined ? '' : `?since=${last}`}`);
  const samples = [...state.history.samples, ...h.samples].slice(-h.keep);
  state.history = { interval_s: h.interval_s, keep: h.keep, samples };
}

/** Reads everything once and tells the views (also after a refused key: it is how a new key is tried). */
export async function refresh() {
  try {
    const [server, index, experiments, jobs] = await Promise.all([
      state.server ? Promise.resolve(state.server) : api('GET', '/v2'),
      api('POST', '/v2/repository/index'),
      api('GET', '/v1/experiments'),
      api('GET', '/v1/jobs'),
      refreshHistory(),
    ]);
    state.server = server;
    state.index = index;
    state.experiments = experiments.experiments;
    state.jobs = jobs.jobs;
    await refreshMetadata();
    state.error = null;
    waitingForKey = false;
  } catch (e) {
    state.error = e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e));
    waitingForKey = state.error.status === 401 || state.error.status === 403;
  }
  ticks += 1;
  state.generation += 1;
  for (const l of listeners)
    try {
      l();
    } catch (e) {
      console.error('a view failed to update', e); // the next refresh still comes
    }
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;

/**
 * Refreshes every `ms` while the tab is visible (at once when it shows again) and the key is not refused.
 *
 * @param {number} ms
 */
export function poll(ms) {
  const loop = async () => {
    clearTimeout(timer);
    try {
      if (!document.hidden && !waitingForKey) await refresh();
    } finally {
      timer = setTimeout(loop, ms);
    }
  };
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void loop();
  });
  void loop();
}
