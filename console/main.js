// @ts-check
import { apiKey, onKeyRefused, setApiKey } from './api.js';
import { h, replace } from './dom.js';
import { poll, refresh, state, subscribe } from './state.js';
import { experimentsPage } from './views/experiments.js';
import { jobsPage } from './views/jobs.js';
import { modelPage } from './views/model.js';
import { overview } from './views/overview.js';

/** @typedef {{ update(): void }} View */

const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const main = byId('view');

/** @type {View | undefined} */
let view;

/**
 * Builds the view the URL's fragment names: `#/`, `#/models/{m}`, `#/experiments[/{name}]`, `#/jobs[/{id}][?model=m]`.
 */
function route() {
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  main.replaceChildren();
  const section = parts[0] ?? 'overview';
  for (const a of document.querySelectorAll('[data-nav]'))
    if (a instanceof HTMLElement) {
      if (a.dataset.nav === (section === 'models' ? 'overview' : section)) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  if (section === 'models' && parts[1]) view = modelPage(main, parts[1]);
  else if (section === 'experiments') view = experimentsPage(main, parts[1]);
  else if (section === 'jobs') view = jobsPage(main, parts[1], new URLSearchParams(search));
  else view = overview(main);
  document.title = `${parts.at(-1) ?? 'Overview'} — Massgate console`;
  if (state.generation > 0) view.update();
}

/** The server line in the header: name, version, readiness, and why the last refresh failed. */
function header() {
  const s = state.server;
  const serving = new Set(state.index.filter((r) => r.state === 'READY').map((r) => r.name)).size;
  replace(
    byId('server'),
    s ? `${s.name} ${s.version} · ${serving} model${serving === 1 ? '' : 's'} serving` : '',
    state.error && state.error.status !== 401 && state.error.status !== 403
      ? h('span', { class: 'offline' }, ` · not updating: ${state.error.message}`)
      : null,
  );
}

const keyForm = /** @type {HTMLFormElement} */ (byId('key-form'));
const keyInput = /** @type {HTMLInputElement} */ (byId('key-input'));

/** @param {string} why */
function askForKey(why) {
  byId('key-why').textContent = why;
  const wasHidden = keyForm.hidden;
  keyForm.hidden = false;
  if (wasHidden) keyInput.focus();
}

onKeyRefused((e) =>
  askForKey(
    e.status === 403
      ? `The key given is not an admin key: ${e.message}. The console needs an admin key.`
      : apiKey()
        ? `The gateway did not accept the key: ${e.message}.`
        : 'This gateway has API keys: the console needs an admin key.',
  ),
);
keyForm.addEventListener('submit', (e) => {
  e.preventDefault();
  setApiKey(keyInput.value.trim());
  keyInput.value = '';
  keyForm.hidden = true;
  void refresh();
});
byId('key-forget').addEventListener('click', () => {
  setApiKey('');
  keyForm.hidden = true;
  void refresh();
});
byId('key-button').addEventListener('click', () => askForKey('Set the admin key the console sends.'));

subscribe(() => {
  header();
  view?.update();
});
window.addEventListener('hashchange', () => {
  route();
  main.focus();
});
route();
poll(2000);
