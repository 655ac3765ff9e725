// @ts-check
import { metricCharts } from '../charts/metrics.js';
import { h, keepingFocus } from '../dom.js';
import { num } from '../format.js';
import { kindOf, licenceOf, lifecycleButtons } from '../models.js';
import { state } from '../state.js';

/** @typedef {import('../state.js').IndexRow} IndexRow */

/**
 * One row of the models table: a row of the repository index with its version's metadata.
 *
 * @param {IndexRow} r
 * @param {boolean} first the model's first row (its name links to its page; its lifecycle buttons)
 */
function row(r, first) {
  const meta = r.version !== undefined ? state.meta.get(`${r.name}/${r.version}`) : undefined;
  const p = meta?.parameters ?? {};
  const serving = state.index.some((x) => x.name === r.name && x.state === 'READY');
  const instances =
    p.instances !== undefined ? `${p.live_instances ?? p.instances} / ${p.instances}` : p.ensemble ? '–' : '';
  return h(
    'tr',
    { 'data-name': r.name, 'data-version': r.version ?? '', 'data-state': r.state },
    h(
      'th',
      { scope: 'row' },
      first ? h('a', { href: `#/models/${encodeURIComponent(r.name)}` }, r.name) : h('span', { class: 'same' }, r.name),
    ),
    h('td', {}, r.version ?? '–'),
    h(
      'td',
      {},
      h('span', { class: `state ${r.state.toLowerCase()}` }, r.state),
      r.reason ? h('span', { class: 'reason' }, ` ${r.reason}`) : null,
    ),
    h('td', {}, (r.labels ?? []).join(', ') || '–'),
    h('td', {}, kindOf(meta) || '–'),
    h('td', {}, p.runtime ?? (p.ensemble ? 'ensemble' : '–')),
    h('td', {}, p.provider ?? '–'),
    h('td', {}, instances || '–'),
    h('td', {}, licenceOf(p.license)),
    h('td', { class: 'actions' }, first ? lifecycleButtons(r.name, serving) : null),
  );
}

/**
 * The overview (`#/`): a few totals, every model, version and ensemble of the repository index with its state,
 * runtime, provider, instances and licence (load and unload buttons), and the live charts of the busiest models.
 *
 * @param {HTMLElement} root
 */
export function overview(root) {
  const totals = h('dl', { class: 'totals' });
  const body = h('tbody');
  const charts = metricCharts();
  root.append(
    h('h1', {}, 'Overview'),
    totals,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'models-h' },
      h('h2', { id: 'models-h' }, 'Models'),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'models' },
          h('caption', {}, 'Every model, version and ensemble of the store (the repository index)'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [
                'Model',
                'Version',
                'State',
                'Labels',
                'Kind',
                'Runtime',
                'Provider',
                'Instances',
                'Licence',
                'Actions',
              ].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          body,
        ),
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'charts-h' },
      h('h2', { id: 'charts-h' }, 'Traffic'),
      charts.element,
    ),
  );
  let shown = '';
  return {
    update() {
      const ready = new Set(state.index.filter((r) => r.state === 'READY').map((r) => r.name)).size;
      const names = new Set(state.index.map((r) => r.name)).size;
      const last = state.history.samples.at(-1);
      const running = state.jobs.filter((j) => !['succeeded', 'rejected', 'failed', 'cancelled'].includes(j.state));
      totals.replaceChildren(
        ...[
          ['Models serving', `${ready} of ${names}`],
          ['Experiments', String(state.experiments.length)],
          ['Jobs running', String(running.length)],
          ['HTTP requests/s', num(last?.http_rps)],
        ].flatMap(([k, v]) => [h('div', {}, h('dt', {}, k), h('dd', {}, v))]),
      );
      // The table is rebuilt only when what it shows changed (and gives the focus back when it is).
      const seen = new Set();
      const rows = state.index.map((r) => {
        const first = !seen.has(r.name);
        seen.add(r.name);
        return { r, first };
      });
      const key = JSON.stringify(rows.map(({ r }) => [r, state.meta.get(`${r.name}/${r.version}`)?.parameters]));
      if (key !== shown) {
        shown = key;
        keepingFocus(body, () => body.replaceChildren(...rows.map(({ r, first }) => row(r, first))));
      }
      charts.update();
    },
  };
}
