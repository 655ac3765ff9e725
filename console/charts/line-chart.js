// @ts-check
import { h, svg } from '../dom.js';
import { num } from '../format.js';

/**
 * @typedef {{ name: string, points: Array<[number, number | null]> }} Series a line: [time (ms), value or null (a gap)]
 * @typedef {{ id: string, title: string, unit: string, percent?: boolean, minMax?: number, axis?: 'time' | 'epoch' }} ChartOptions
 */

const W = 480;
const H = 200;
const M = { left: 46, right: 10, top: 10, bottom: 24 };
const COLOURS = 8;

/**
 * The smallest "nice" number (1, 2 or 5 × 10^n) at or above v.
 *
 * @param {number} v
 */
export function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v - 1e-12) return m * p;
  return 10 * p;
}

/**
 * Times back from the end of the window, newest first: every 15 s, 30 s or minute, as the window is long.
 *
 * @param {number} from
 * @param {number} to
 * @returns {Array<[number, string]>}
 */
function timeTicks(from, to) {
  const span = to - from;
  const step = span <= 90_000 ? 15_000 : span <= 180_000 ? 30_000 : 60_000;
  /** @type {Array<[number, string]>} */
  const ticks = [];
  for (let back = 0; back <= span; back += step)
    ticks.push([to - back, back === 0 ? 'now' : step < 60_000 ? `−${back / 1000} s` : `−${back / 60_000} min`]);
  return ticks;
}

/**
 * Whole epochs, a nice step apart, the last first.
 *
 * @param {number} from
 * @param {number} to
 * @returns {Array<[number, string]>}
 */
function epochTicks(from, to) {
  const step = niceCeil(Math.max(1, (to - from) / 6));
  /** @type {Array<[number, string]>} */
  const ticks = [];
  for (let e = Math.floor(to / step) * step; e >= from; e -= step) ticks.push([e, `epoch ${e}`]);
  return ticks;
}

/**
 * A line chart drawn as SVG by hand: time (or epochs) on x, over the window given, one line per series (colours by position, the
 * same position in every chart of a page), a y axis from 0 to a nice maximum, a legend with the latest values. The
 * figure says its latest values in its accessible name and, for scripts, as JSON in `data-latest` (and the largest of
 * the window in `data-max`).
 *
 * @example
 * const chart = createChart({ id: 'throughput', title: 'Throughput', unit: 'req/s' });
 * chart.update([{ name: 'lang-fasttext', points: [[t0, 1.5], [t1, 2]] }], t0, t1);
 * @param {ChartOptions} o
 */
export function createChart(o) {
  const plot = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    class: 'plot',
  });
  const legend = h('ul', { class: 'legend' });
  const figure = h(
    'figure',
    { class: 'chart', 'data-chart': o.id },
    h('figcaption', {}, o.title, h('span', { class: 'unit' }, ` (${o.unit})`)),
    plot,
    legend,
  );
  const fmt = (/** @type {number | null | undefined} */ v) =>
    v === null || v === undefined
      ? '–'
      : o.percent
        ? `${num(v * 100, 0)} %`
        : num(v, Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);

  /**
   * Redraws the chart.
   *
   * @param {Series[]} series
   * @param {number} from window start (ms)
   * @param {number} to window end (ms)
   */
  function update(series, from, to) {
    const span = Math.max(to - from, 1);
    const values = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v !== null);
    const top = o.percent ? 1 : niceCeil(Math.max(o.minMax ?? 1, .../** @type {number[]} */ (values)));
    const x = (/** @type {number} */ t) => M.left + ((t - from) / span) * (W - M.left - M.right);
    const y = (/** @type {number} */ v) => H - M.bottom - (v / top) * (H - M.top - M.bottom);
    const grid = [0, 0.25, 0.5, 0.75, 1].map((f) =>
      svg(
        'g',
        { class: 'grid' },
        svg('line', { x1: M.left, x2: W - M.right, y1: y(top * f), y2: y(top * f) }),
        svg('text', { x: M.left - 4, y: y(top * f) + 4, 'text-anchor': 'end' }, fmt(top * f)),
      ),
    );
    const ticks = (o.axis === 'epoch' ? epochTicks(from, to) : timeTicks(from, to)).map(([at, text], i) =>
      svg('text', { class: 'tick', x: x(at), y: H - 6, 'text-anchor': i === 0 ? 'end' : 'middle' }, text),
    );
    const lines = series.flatMap((s, i) => {
      let d = '';
      /** @type {SVGCircleElement[]} a point with no neighbour to draw a line to gets a dot */
      const dots = [];
      const shown = s.points.map(([t, v]) =>
        v === null || t < from ? null : /** @type {[number, number]} */ ([t, v]),
      );
      shown.forEach((p, k) => {
        if (!p) return;
        d += `${shown[k - 1] ? 'L' : 'M'}${x(p[0]).toFixed(1)} ${y(p[1]).toFixed(1)}`;
        if (!shown[k - 1] && !shown[k + 1])
          dots.push(
            svg('circle', { class: `dot c${i % COLOURS}`, cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 2.5 }),
          );
      });
      return [svg('path', { class: `line c${i % COLOURS}`, d, 'data-series': s.name }), ...dots];
    });
    const empty =
      values.length === 0
        ? svg('text', { class: 'empty', x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no data in this window')
        : null;
    plot.replaceChildren(...grid, ...ticks, ...lines, ...(empty ? [empty] : []));

    /** @type {Record<string, number | null>} */
    const latest = {};
    for (const s of series) latest[s.name] = s.points.findLast((p) => p[1] !== null)?.[1] ?? null;
    figure.dataset.latest = JSON.stringify(latest);
    /** @type {Record<string, number | null>} */
    const most = {};
    for (const s of series) {
      const vs = /** @type {number[]} */ (s.points.filter((p) => p[0] >= from && p[1] !== null).map((p) => p[1]));
      most[s.name] = vs.length ? Math.max(...vs) : null;
    }
    figure.dataset.max = JSON.stringify(most);
    const said = series.map((s) => `${s.name} ${fmt(latest[s.name])}`).join(', ');
    plot.setAttribute('aria-label', `${o.title} in ${o.unit}, latest: ${said || 'no data'}`);
    legend.replaceChildren(
      ...series.map((s, i) =>
        h(
          'li',
          {},
          h('span', { class: `swatch c${i % COLOURS}`, 'aria-hidden': 'true' }),
          h('span', { class: 'name' }, s.name),
          ' ',
          h('span', { class: 'value' }, fmt(latest[s.name])),
        ),
      ),
    );
  }
  return { element: figure, update };
}
