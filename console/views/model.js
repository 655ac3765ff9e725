// @ts-check
import { api, seg } from '../api.js';
import { metricCharts } from '../charts/metrics.js';
import { editing, h, keepingFocus, replace } from '../dom.js';
import { kindOf, licenceOf, lifecycleButtons } from '../models.js';
import { act } from '../notices.js';
import { metadataOf, refresh, state } from '../state.js';
import { tryIt } from '../tryit/panel.js';

/**
 * The details of a model's default version, as a definition list.
 *
 * @param {import('../state.js').Metadata} meta
 */
function details(meta) {
  const p = meta.parameters;
  const labels = Array.isArray(p.labels)
    ? `${p.labels.length}: ${p.labels.slice(0, 12).join(', ')}${p.labels.length > 12 ? ', …' : ''}`
    : p.labels;
  /** @type {Array<[string, unknown]>} */
  const items = [
    ['Kind', kindOf(meta)],
    ['Platform', meta.platform],
    ['Runtime', p.runtime ?? (p.ensemble ? 'ensemble' : undefined)],
    ['Execution provider', p.provider],
    ['Instances', p.instances !== undefined ? `${p.live_instances ?? p.instances} live of ${p.instances}` : undefined],
    ['Licence', p.license ? `${licenceOf(p.license)}${p.license.source ? ` — ${p.license.source}` : ''}` : undefined],
    ['Labels', labels],
    ['Inputs', meta.inputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(', ')}]`).join('; ')],
    ['Outputs', meta.outputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(', ')}]`).join('; ')],
    ['Fine-tuned', p.finetuned ? JSON.stringify(p.finetuned) : undefined],
  ];
  return h(
    'dl',
    { class: 'details' },
    items
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, String(v)))),
    p.ensemble
      ? h(
          'div',
          {},
          h('dt', {}, 'Members'),
          h(
            'dd',
            {},
            h(
              'ul',
              { class: 'inline' },
              p.ensemble.members.map((/** @type {any} */ m) =>
                h(
                  'li',
                  {},
                  h('a', { href: `#/models/${encodeURIComponent(m.model)}` }, m.model),
                  m.version ? `:${m.version}` : '',
                  ` × ${m.weight}`,
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

/**
 * The version labels of a model and the form that moves one (`PUT /v2/repository/models/{m}/labels/{label}`), or
 * removes it (`DELETE`).
 *
 * @param {string} name
 * @param {import('../state.js').IndexRow[]} rows
 */
function labelsCard(name, rows) {
  const versions = rows
    .filter((r) => r.version !== undefined && r.state === 'READY')
    .map((r) => /** @type {string} */ (r.version));
  /** @type {Array<[string, string]>} */
  const labels = rows.flatMap((r) =>
    (r.labels ?? []).map((l) => /** @type {[string, string]} */ ([l, r.version ?? ''])),
  );
  const label = h('input', {
    id: `label-${name}`,
    value: 'stable',
    required: true,
    pattern: '[A-Za-z][A-Za-z0-9_.-]*',
    size: 12,
  });
  const version = h(
    'select',
    { id: `label-version-${name}` },
    versions.map((v) => h('option', { value: v }, `version ${v}`)),
  );
  const move = h('button', { type: 'submit' }, 'Move label');
  const form = h(
    'form',
    { class: 'row', 'aria-label': 'Move a version label' },
    h('label', { for: `label-${name}` }, 'Label'),
    label,
    h('label', { for: `label-version-${name}` }, 'to'),
    version,
    move,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void act(
      move,
      `Move label ${label.value} of ${name}`,
      () =>
        api('PUT', `/v2/repository/models/${seg(name)}/labels/${seg(label.value)}`, { version: Number(version.value) }),
      `${name}@${label.value} → version ${version.value}`,
    ).then(refresh);
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': `labels-h-${name}` },
    h('h2', { id: `labels-h-${name}` }, 'Versions and labels'),
    h(
      'table',
      { class: 'compact' },
      h('caption', {}, `Versions of ${name} (repository index)`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Version', 'State', 'Labels'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, r.version ?? '–'),
            h(
              'td',
              {},
              h('span', { class: `state ${r.state.toLowerCase()}` }, r.state),
              r.reason ? ` ${r.reason}` : '',
            ),
            h(
              'td',
              {},
              (r.labels ?? []).map((l) => {
                const drop = h(
                  'button',
                  {
                    type: 'button',
                    class: 'quiet',
                    'data-focus': `drop-label:${l}`,
                    'aria-label': `Remove label ${l}`,
                  },
                  '×',
                );
                drop.addEventListener('click', () =>
                  act(
                    drop,
                    `Remove label ${l} of ${name}`,
                    () => api('DELETE', `/v2/repository/models/${seg(name)}/labels/${seg(l)}`),
                    `label ${l} removed`,
                  ).then(refresh),
                );
                return h('span', { class: 'tag' }, l, drop);
              }),
            ),
          ),
        ),
      ),
    ),
    versions.length
      ? form
      : h('p', { class: 'hint' }, 'No version is loaded: a label can only point at a loaded version.'),
    labels.length ? null : h('p', { class: 'hint' }, 'No version labels: requests go to the newest version.'),
  );
}

/**
 * A model's page (`#/models/{name}`): its state and lifecycle buttons, details, versions and labels, the try-it panel
 * fitted to its modality, and its own live charts.
 *
 * @param {HTMLElement} root
 * @param {string} name
 */
export function modelPage(root, name) {
  const head = h('div', { class: 'head' });
  const info = h('div', { class: 'card' });
  const labels = h('div');
  const tryitSlot = h('div');
  const charts = metricCharts(name);
  root.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Overview'), ' › ', name),
    head,
    h('div', { class: 'two' }, h('div', { class: 'stack' }, info, labels), tryitSlot),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'model-charts-h' },
      h('h2', { id: 'model-charts-h' }, 'Traffic'),
      charts.element,
    ),
  );
  let shown = '';
  let tried = '';
  return {
    update() {
      const rows = state.index.filter((r) => r.name === name);
      const meta = metadataOf(name);
      const key = JSON.stringify([rows, meta?.parameters]);
      if (key !== shown && !editing(labels)) {
        shown = key;
        const serving = rows.some((r) => r.state === 'READY');
        keepingFocus(root, () => {
          replace(
            head,
            h(
              'h1',
              {},
              name,
              ' ',
              h('span', { class: `state ${serving ? 'ready' : 'unavailable'}` }, serving ? 'serving' : 'not serving'),
            ),
            meta?.parameters.description ? h('p', { class: 'lead' }, meta.parameters.description) : null,
            h('div', { class: 'row' }, lifecycleButtons(name, serving)),
          );
          info.replaceChildren(
            h('h2', {}, 'Details'),
            meta
              ? details(meta)
              : h('p', { class: 'hint' }, rows.length ? rows[0]?.reason || 'not loaded' : 'not in the repository'),
          );
          labels.replaceChildren(labelsCard(name, rows));
        });
      }
      // The try-it panel is built once per set of loaded versions: an update never clears what was sent.
      const versions = rows
        .filter((r) => r.version !== undefined && r.state === 'READY')
        .map((r) => /** @type {string} */ (r.version));
      const tryKey = JSON.stringify([versions, meta?.parameters.modality]);
      if (!meta && tried !== 'none') {
        tried = 'none';
        tryitSlot.replaceChildren(
          h(
            'section',
            { class: 'card tryit' },
            h('h2', {}, 'Try it'),
            h('p', { class: 'hint' }, `${name} is not serving: load it to try it.`),
          ),
        );
      } else if (meta && tryKey !== tried) {
        tried = tryKey;
        tryitSlot.replaceChildren(
          tryIt({
            name,
            versions,
            modality: meta.parameters.modality,
            example: meta.parameters.example?.instances?.[0],
            inputs: meta.inputs,
          }),
        );
      }
      charts.update();
    },
  };
}
