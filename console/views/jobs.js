// @ts-check
import { api, seg } from '../api.js';
import { createChart } from '../charts/line-chart.js';
import { append, editing, h, keepingFocus, replace } from '../dom.js';
import { num, pct, when } from '../format.js';
import { act, failed } from '../notices.js';
import { metadataOf, refresh, state } from '../state.js';
import { unzip } from '../finetune/zip.js';

const FINAL = ['succeeded', 'rejected', 'failed', 'cancelled'];

/**
 * The labelled files chosen so far: each named `<label>/<file>` (the gateway takes the label from the folder).
 *
 * @typedef {{ files: File[] }} Chosen
 */

/**
 * Labels and counts of the chosen files, in words.
 *
 * @param {File[]} files
 */
function summary(files) {
  /** @type {Map<string, number>} */
  const per = new Map();
  for (const f of files) {
    const label = f.name.split('/').filter(Boolean).at(-2) ?? '(no folder)';
    per.set(label, (per.get(label) ?? 0) + 1);
  }
  return files.length
    ? `${files.length} file${files.length === 1 ? '' : 's'}: ${[...per].map(([l, n]) => `${l} (${n})`).join(', ')}`
    : 'No files chosen yet.';
}

/**
 * The form that starts a fine-tuning job from labelled files (`POST /v1/models/{m}/finetune`, multipart): a folder
 * whose sub-folders are the labels, a zip of such a folder (unpacked here), or files for one label at a time.
 *
 * @param {string | undefined} preset the model to select
 */
function startForm(preset) {
  /** @type {File[]} */
  let files = [];
  const said = h('p', { class: 'hint', 'aria-live': 'polite' }, summary(files));
  const add = (/** @type {File[]} */ more) => {
    files = [...files, ...more];
    said.textContent = summary(files);
  };
  const model = h('select', { id: 'ft-model', required: true });
  const folder = h('input', { id: 'ft-folder', type: 'file', multiple: true, webkitdirectory: true });
  folder.addEventListener('change', () =>
    add([...(folder.files ?? [])].map((f) => new File([f], f.webkitRelativePath || f.name, { type: f.type }))),
  );
  const zip = h('input', { id: 'ft-zip', type: 'file', accept: '.zip,application/zip' });
  zip.addEventListener('change', async () => {
    const f = zip.files?.[0];
    if (!f) return;
    try {
      add(await unzip(await f.arrayBuffer()));
    } catch (e) {
      failed(`Read ${f.name}`, e);
    }
  });
  const label = h('input', { id: 'ft-label', size: 12, placeholder: 'document' });
  const loose = h('input', { id: 'ft-files', type: 'file', multiple: true, accept: 'image/*' });
  loose.addEventListener('change', () => {
    if (!label.value.trim()) {
      failed('Add files', new Error('type the label of these files first'));
      loose.value = '';
      return;
    }
    add([...(loose.files ?? [])].map((f) => new File([f], `${label.value.trim()}/${f.name}`, { type: f.type })));
    loose.value = '';
  });
  const clear = h('button', { type: 'button', class: 'quiet' }, 'Clear files');
  clear.addEventListener('click', () => {
    files = [];
    said.textContent = summary(files);
  });
  const epochs = h('input', { id: 'ft-epochs', type: 'number', min: 1, max: 500, value: 20 });
  const deploy = h(
    'select',
    { id: 'ft-deploy' },
    ['none', 'canary', 'shadow', 'replace'].map((m) => h('option', { value: m }, m)),
  );
  const weight = h('input', { id: 'ft-weight', type: 'number', min: 1, max: 99, value: 10 });
  const start = h('button', { type: 'submit', class: 'primary' }, 'Start fine-tuning');
  const form = h(
    'form',
    { class: 'grid-form', 'aria-labelledby': 'ft-h' },
    h('label', { for: 'ft-model' }, 'Model'),
    model,
    h('label', { for: 'ft-folder' }, 'Labelled folder (sub-folders are labels)'),
    folder,
    h('label', { for: 'ft-zip' }, 'or a zip of such a folder'),
    zip,
    h('label', { for: 'ft-label' }, 'or files for one label: label'),
    h('div', { class: 'row' }, label, h('label', { for: 'ft-files', class: 'sr-only' }, 'Files of this label'), loose),
    h('span', {}),
    h('div', { class: 'row' }, said, clear),
    h('label', { for: 'ft-epochs' }, 'Epochs'),
    epochs,
    h('label', { for: 'ft-deploy' }, 'Deploy when it passes'),
    h('div', { class: 'row' }, deploy, h('label', { for: 'ft-weight' }, 'canary weight'), weight),
    h('span', {}),
    start,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = new FormData();
    for (const f of files) body.append('files', f, f.name);
    const options = {
      epochs: Number(epochs.value),
      deploy: deploy.value === 'canary' ? { mode: 'canary', weight: Number(weight.value) } : { mode: deploy.value },
    };
    body.append('options', JSON.stringify(options));
    void act(
      start,
      `Fine-tune ${model.value}`,
      async () => {
        const job = await api('POST', `/v1/models/${seg(model.value)}/finetune`, body);
        location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
      },
      `fine-tuning of ${model.value} started`,
    ).then(refresh);
  });
  const card = h(
    'section',
    { class: 'card', 'aria-labelledby': 'ft-h' },
    h('h2', { id: 'ft-h' }, 'Fine-tune a model'),
    form,
  );
  return {
    element: card,
    update() {
      if (editing(form)) return;
      const names = [...new Set(state.index.filter((r) => r.state === 'READY').map((r) => r.name))].filter(
        (n) => metadataOf(n)?.parameters.plugin && !metadataOf(n)?.parameters.ensemble,
      );
      const current = model.value || preset || names.find((n) => metadataOf(n)?.parameters.modality === 'image') || '';
      if (model.options.length === names.length && [...model.options].every((o, i) => o.value === names[i])) return;
      model.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
      if (names.includes(current)) model.value = current;
    },
  };
}

/**
 * A job's detail: state, progress, live loss and accuracy by epoch, result, and cancel (or roll back its deploy).
 *
 * @param {string} id
 */
function jobDetail(id) {
  const head = h('div');
  const loss = createChart({ id: 'loss', title: 'Loss', unit: 'cross-entropy', axis: 'epoch' });
  const accuracy = createChart({ id: 'accuracy', title: 'Accuracy', unit: '%', percent: true, axis: 'epoch' });
  const result = h('div');
  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': 'job-h', 'data-job': id },
    h('h2', { id: 'job-h' }, `Job ${id}`),
    head,
    h('div', { class: 'charts' }, loss.element, accuracy.element),
    result,
  );
  let shown = '';
  return {
    element,
    update() {
      const job = state.jobs.find((j) => j.id === id);
      if (!job) {
        head.replaceChildren(h('p', { class: 'hint' }, 'No such job (the gateway keeps the most recent ones).'));
        return;
      }
      const key = JSON.stringify([job.state, job.updatedAt]);
      if (key === shown) return;
      shown = key;
      const active = !FINAL.includes(job.state);
      const cancel = h('button', { type: 'button', class: 'danger', 'data-focus': 'cancel' }, 'Cancel job');
      cancel.addEventListener('click', () =>
        act(cancel, `Cancel job ${id}`, () => api('DELETE', `/v1/jobs/${seg(id)}`), `job ${id} cancelled`).then(
          refresh,
        ),
      );
      const deployed = job.result?.deploy && job.result.deploy.mode !== 'none' && !job.result.deploy.rolledBack;
      const undo = h('button', { type: 'button', 'data-focus': 'undo' }, 'Roll back its deploy');
      undo.addEventListener('click', () =>
        act(
          undo,
          `Roll back ${job.model}`,
          () => api('POST', `/v1/models/${seg(job.model)}/rollback`),
          `${job.model} rolled back`,
        ).then(refresh),
      );
      const progress =
        job.progress && job.state === 'extracting'
          ? h('progress', { max: job.progress.total, value: job.progress.done, 'aria-label': 'Feature extraction' })
          : null;
      keepingFocus(element, () =>
        replace(
          head,
          h(
            'p',
            {},
            h('a', { href: `#/models/${encodeURIComponent(job.model)}` }, job.model),
            ` v${job.baseVersion} · `,
            h('span', { class: `state job-${job.state}` }, job.state),
            ` · started ${when(job.createdAt)}`,
            job.etaS !== undefined && active ? ` · about ${num(job.etaS, 0)} s left` : '',
            ` · ${job.examples.train} training, ${job.examples.validation} held-out examples · classes ${job.classes.join(', ')}`,
          ),
          progress ? h('p', {}, 'Extracting features ', progress) : null,
          job.error ? h('p', { class: 'notice error' }, job.error) : null,
          h('div', { class: 'row' }, active ? cancel : null, deployed ? undo : null),
        ),
      );
      /** @type {Array<any>} */
      const epochs = job.epochs ?? [];
      const series = (/** @type {string} */ name, /** @type {string} */ field) => ({
        name,
        points: epochs.map((e) => /** @type {[number, number | null]} */ ([e.epoch, e[field] ?? null])),
      });
      const last = epochs.at(-1)?.epoch ?? 1;
      loss.update(
        [series('training', 'loss'), series('held-out', 'valLoss')],
        epochs[0]?.epoch ?? 1,
        Math.max(last, 2),
      );
      accuracy.update(
        [series('training', 'accuracy'), series('held-out', 'valAccuracy')],
        epochs[0]?.epoch ?? 1,
        Math.max(last, 2),
      );
      const r = job.result;
      replace(
        result,
        r
          ? h(
              'dl',
              { class: 'details' },
              h('div', {}, h('dt', {}, 'Candidate accuracy'), h('dd', {}, pct(r.scores?.candidate?.accuracy, 1))),
              r.scores?.served
                ? h(
                    'div',
                    {},
                    h('dt', {}, `Served v${r.scores.served.version}`),
                    h('dd', {}, pct(r.scores.served.accuracy, 1)),
                  )
                : null,
              h(
                'div',
                {},
                h('dt', {}, 'Gate'),
                h('dd', {}, r.gate?.passed ? 'passed' : `not passed: ${r.gate?.reason ?? ''}`),
              ),
              r.version !== undefined
                ? h('div', {}, h('dt', {}, 'Published'), h('dd', {}, `version ${r.version}`))
                : null,
              r.deploy
                ? h(
                    'div',
                    {},
                    h('dt', {}, 'Deploy'),
                    h(
                      'dd',
                      {},
                      `${r.deploy.mode}${r.deploy.experiment ? ` (experiment ${r.deploy.experiment})` : ''}${r.deploy.rolledBack ? ', rolled back' : ''}`,
                    ),
                  )
                : null,
            )
          : null,
      );
    },
  };
}

/**
 * The jobs page (`#/jobs`, `#/jobs/{id}`, `#/jobs?model=m`): the form that starts a fine-tune, the jobs the gateway
 * keeps (GET /v1/jobs), and one job's live curves.
 *
 * @param {HTMLElement} root
 * @param {string | undefined} id
 * @param {URLSearchParams} query
 */
export function jobsPage(root, id, query) {
  const form = startForm(query.get('model') ?? undefined);
  const detail = id ? jobDetail(id) : undefined;
  const body = h('tbody');
  append(root, [
    h('h1', {}, 'Fine-tuning jobs'),
    detail?.element,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'jobs-h' },
      h('h2', { id: 'jobs-h' }, 'Jobs'),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          {},
          h('caption', {}, 'Newest first'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Job', 'Model', 'State', 'Started', 'Epochs', 'Held-out accuracy', 'Result'].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          body,
        ),
      ),
    ),
    form.element,
  ]);
  let shown = '';
  return {
    update() {
      form.update();
      detail?.update();
      const key = JSON.stringify(state.jobs.map((j) => [j.id, j.state, j.updatedAt]));
      if (key === shown) return;
      shown = key;
      keepingFocus(body, () =>
        body.replaceChildren(
          ...(state.jobs.length
            ? state.jobs.map((j) =>
                h(
                  'tr',
                  { 'data-job': j.id },
                  h(
                    'th',
                    { scope: 'row' },
                    h('a', { href: `#/jobs/${encodeURIComponent(j.id)}`, 'data-focus': `job:${j.id}` }, j.id),
                  ),
                  h('td', {}, j.model),
                  h('td', {}, h('span', { class: `state job-${j.state}` }, j.state)),
                  h('td', {}, when(j.createdAt)),
                  h('td', {}, String(j.epochs?.length ?? 0)),
                  h('td', {}, pct(j.epochs?.at(-1)?.valAccuracy, 1)),
                  h(
                    'td',
                    {},
                    j.result?.version !== undefined ? `version ${j.result.version}` : j.error ? 'failed' : '–',
                  ),
                ),
              )
            : [h('tr', {}, h('td', { colspan: 7 }, 'No jobs yet.'))]),
        ),
      );
    },
  };
}
