// @ts-check
import { api, seg } from './api.js';
import { act } from './notices.js';
import { refresh } from './state.js';
import { h } from './dom.js';

/**
 * What a model is, in words: its plugin and modality, an ensemble's strategy, or the runtime's tensors.
 *
 * @param {import('./state.js').Metadata | undefined} meta
 */
export function kindOf(meta) {
  const p = meta?.parameters ?? {};
  if (p.ensemble) return `ensemble (${p.ensemble.strategy}) of ${p.ensemble.members.length}`;
  if (p.plugin) return `${p.plugin}${p.modality ? ` · ${p.modality}` : ''}`;
  return meta ? 'tensors' : '';
}

/**
 * A licence as text: its name and where it comes from.
 *
 * @param {any} license
 */
export function licenceOf(license) {
  if (!license) return '–';
  if (typeof license === 'string') return license;
  return String(license.name ?? '–');
}

/**
 * Load (a hot swap when serving) and unload buttons of a model, through the repository API.
 *
 * @example row.append(...lifecycleButtons('lang-cld3', true))
 * @param {string} name
 * @param {boolean} serving
 */
export function lifecycleButtons(name, serving) {
  const load = h(
    'button',
    { type: 'button', 'data-focus': `load:${name}`, 'aria-label': `${serving ? 'Reload' : 'Load'} ${name}` },
    serving ? 'Reload' : 'Load',
  );
  load.addEventListener('click', () =>
    act(
      load,
      `${serving ? 'Reload' : 'Load'} ${name}`,
      () => api('POST', `/v2/repository/models/${seg(name)}/load`),
      `${name} loaded`,
    ).then(refresh),
  );
  const unload = h(
    'button',
    { type: 'button', class: 'danger', 'data-focus': `unload:${name}`, 'aria-label': `Unload ${name}` },
    'Unload',
  );
  unload.disabled = !serving;
  unload.addEventListener('click', () => {
    if (!confirm(`Unload ${name}? Requests to it will be refused until it is loaded again.`)) return;
    void act(
      unload,
      `Unload ${name}`,
      () => api('POST', `/v2/repository/models/${seg(name)}/unload`),
      `${name} unloaded`,
    ).then(refresh);
  });
  return [load, unload];
}
