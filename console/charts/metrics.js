// @ts-check
import { h } from '../dom.js';
import { state } from '../state.js';
import { createChart } from './line-chart.js';

/** @typedef {import('../state.js').ModelSample} ModelSample */
/** @typedef {import('./line-chart.js').Series} Series */

/** Most models drawn in one overview chart (the busiest of the window). */
const MOST = 8;

/**
 * The models with traffic in the window, busiest first (at most `MOST`).
 *
 * @returns {string[]}
 */
function busiest() {
  /** @type {Map<string, number>} */
  const total = new Map();
  for (const s of state.history.samples)
    for (const [name, m] of Object.entries(s.models))
      if (m.rps > 0 || m.queue > 0) total.set(name, (total.get(name) ?? 0) + m.rps + m.queue);
  return [...total]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MOST)
    .map(([n]) => n)
    .sort();
}

/**
 * One series per model of a figure read from each sample.
 *
 * @param {string[]} models
 * @param {(m: ModelSample) => number | null} pick
 * @returns {Series[]}
 */
const perModel = (models, pick) =>
  models.map((name) => ({
    name,
    points: state.history.samples.map((s) => {
      const m = s.models[name];
      return /** @type {[number, number | null]} */ ([s.t, m ? pick(m) : null]);
    }),
  }));

/**
 * Several series of one model's figures.
 *
 * @param {string} model
 * @param {Record<string, (m: ModelSample) => number | null>} picks
 * @returns {Series[]}
 */
const ofModel = (model, picks) =>
  Object.entries(picks).map(([name, pick]) => ({
    name,
    points: state.history.samples.map((s) => {
      const m = s.models[model];
      return /** @type {[number, number | null]} */ ([s.t, m ? pick(m) : null]);
    }),
  }));

const CHARTS = [
  { id: 'throughput', title: 'Throughput', unit: 'req/s' },
  { id: 'latency', title: 'Latency', unit: 'ms' },
  { id: 'batch', title: 'Batch size', unit: 'rows per batch' },
  { id: 'queue', title: 'Queue depth', unit: 'requests waiting' },
  { id: 'cache', title: 'Cache hit rate', unit: '%', percent: true },
];

/**
 * The live charts of the gateway's own metrics (GET /v1/metrics/history): for one model (its throughput and errors,
 * p50/p95/p99 latency, batch size, queue, cache hit rate), or for the busiest models of the window (one line each; p95
 * for the latency). `update()` redraws them from the state.
 *
 * @example const charts = metricCharts('lang-fasttext'); root.append(charts.element); charts.update();
 * @param {string} [model] one model, or none for the overview
 */
export function metricCharts(model) {
  const charts = CHARTS.map((c) => createChart(c));
  const note = h('p', { class: 'hint' });
  const element = h(
    'section',
    { class: 'metrics', 'aria-label': model ? `Metrics of ${model}` : 'Metrics' },
    note,
    h(
      'div',
      { class: 'charts' },
      charts.map((c) => c.element),
    ),
  );
  const update = () => {
    const { samples, interval_s, keep } = state.history;
    // The window: the history held, at least a minute, at most what the gateway keeps.
    const to = samples.at(-1)?.t ?? Date.now();
    const held = to - (samples[0]?.t ?? to) + interval_s * 1000;
    const from = to - Math.min(Math.max(held, 60_000), keep * interval_s * 1000);
    const models = model ? [model] : busiest();
    const kept = `${Math.round((keep * interval_s) / 60)} minutes`;
    note.textContent = model
      ? `Sampled every ${interval_s} s from the gateway's metrics (the last ${kept} are kept).`
      : models.length
        ? `The ${models.length === 1 ? 'model' : `${models.length} models`} with traffic in the last ${kept}, sampled every ${interval_s} s; latency is the 95th percentile.`
        : `No inference traffic in the last ${kept}.`;
    const series = model
      ? [
          ofModel(model, { 'req/s': (m) => m.rps, 'errors/s': (m) => m.error_rps }),
          ofModel(model, {
            p50: (m) => m.latency_ms?.p50 ?? null,
            p95: (m) => m.latency_ms?.p95 ?? null,
            p99: (m) => m.latency_ms?.p99 ?? null,
          }),
          ofModel(model, { 'mean batch': (m) => m.batch_size }),
          ofModel(model, { queued: (m) => m.queue }),
          ofModel(model, { 'hit rate': (m) => m.cache_hit_rate }),
        ]
      : [
          perModel(models, (m) => m.rps),
          perModel(models, (m) => m.latency_ms?.p95 ?? null),
          perModel(models, (m) => m.batch_size),
          perModel(models, (m) => m.queue),
          perModel(models, (m) => m.cache_hit_rate),
        ];
    charts.forEach((c, i) => {
      c.update(/** @type {Series[]} */ (series[i]), from, to);
    });
  };
  return { element, update };
}
