// @ts-check
import { ApiError } from './api.js';
import { h } from './dom.js';

/** @returns {HTMLElement} */
const region = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Says that an action was refused or failed, with the gateway's own words and code, in the alert region (read out
 * at once by screen readers) until dismissed.
 *
 * @example failed('Unload nsfw-ensemble', error)
 * @param {string} action what the operator tried
 * @param {unknown} error
 */
export function failed(action, error) {
  const e = error instanceof ApiError ? error : new ApiError(0, 'INTERNAL', String(error));
  const detail = e.status ? `${e.code}, HTTP ${e.status}` : e.code;
  const item = h(
    'div',
    { class: 'notice error', 'data-code': e.code },
    h('p', {}, h('strong', {}, `${action}: refused. `), e.message, h('span', { class: 'code' }, ` (${detail})`)),
    h('button', { type: 'button', class: 'quiet', onclick: () => item.remove() }, 'Dismiss'),
  );
  region('alerts').append(item);
}

/**
 * Says that an action succeeded, in the polite status region; it goes by itself after a while.
 *
 * @param {string} message
 */
export function done(message) {
  const item = h('div', { class: 'notice ok' }, h('p', {}, message));
  region('status').append(item);
  setTimeout(() => item.remove(), 6000);
}

/**
 * Runs an action for a button: the button is disabled meanwhile, success and failure are said.
 *
 * @example act(button, 'Load lang-cld3', () => api('POST', '/v2/repository/models/lang-cld3/load'), 'lang-cld3 loaded')
 * @param {HTMLButtonElement | null} button
 * @param {string} action
 * @param {() => Promise<unknown>} work
 * @param {string} [success]
 * @returns {Promise<boolean>} whether it succeeded
 */
export async function act(button, action, work, success) {
  if (button) button.disabled = true;
  try {
    await work();
    done(success ?? `${action}: done`);
    return true;
  } catch (e) {
    failed(action, e);
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}
