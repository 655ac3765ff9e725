// @ts-check
import { api, seg } from '../api.js';
import { append, editing, h, keepingFocus } from '../dom.js';
import { num, pct } from '../format.js';
import { act } from '../notices.js';
import { refresh, state } from '../state.js';

/**
 * A variant's figures in the cells that show them (updated in place: the weight inputs beside them keep what is
 * being typed).
 *
 * @param {HTMLElement} card
 * @param {any} exp
 */
function fillFigures(card, exp) {
  for (const v of exp.variants ?? []) {
    const f = exp.figures?.[v.name] ?? {};
    const lat = f.latency_ms;
    const top = Object.entries(f.top_labels ?? {})
      .slice(0, 3)
      .map(([l, n]) => `${l} ${n}`)
      .join(', ');
    /** @type {Record<string, string>} */
    const cells = {
      share: v.shadow ? 'shadow' : pct(exp.shares?.[v.name], 1),
      requests: num(f.requests, 0),
      errors: num(f.errors, 0),
      latency: lat ? `${num(lat.p50, 1)} / ${num(lat.p95, 1)} / ${num(lat.p99, 1)}` : '–',
      top: top || '–',
      agreement: f.shadow ? `${pct(f.shadow.agreement, 1)} of ${num(f.shadow.compared, 0)}` : '–',
      reward: f.feedback?.count ? `${num(f.feedback.mean_reward, 3)} (${f.feedback.count})` : '–',
    };
    for (const [k, text] of Object.entries(cells)) {
      const cell = card.querySelector(`[data-fig="${CSS.escape(`${v.name}:${k}`)}"]`);
      if (cell && cell.textContent !== text) cell.textContent = text;
    }
  }
}

/**
 * One experiment: its variants with weights to edit, their live figures, and the buttons that change it (weights,
 * pause and resume, promote, roll back, delete), each through the experiments API.
 *
 * @param {any} exp as GET /v1/experiments/{name} answers it
 */
function experimentCard(exp) {
  const name = exp.name;
  const base = `/v1/experiments/${seg(name)}`;
  if (!exp.variants)
    return h(
      'section',
      { class: 'card experiment', 'data-experiment': name },
      h('h2', {}, name, ' ', h('span', { class: 'state unavailable' }, exp.state)),
      h('p', {}, exp.reason ?? ''),
    );
  /** @type {Map<string, HTMLInputElement>} */
  const weights = new Map();
  const rows = exp.variants.map((/** @type {any} */ v) => {
    const id = `w-${name}-${v.name}`;
    const weight = h('input', {
      id,
      type: 'number',
      min: '0.001',
      step: 'any',
      value: v.weight,
      class: 'weight',
      'data-focus': `${name}:weight:${v.name}`,
      'aria-label': `Weight of variant ${v.name}`,
    });
    if (!v.shadow) weights.set(v.name, weight);
    const pause = h(
      'button',
      {
        type: 'button',
        'data-focus': `${name}:pause:${v.name}`,
        'aria-label': `${v.paused ? 'Resume' : 'Pause'} variant ${v.name}`,
      },
      v.paused ? 'Resume' : 'Pause',
    );
    pause.addEventListener('click', () =>
      act(
        pause,
        `${v.paused ? 'Resume' : 'Pause'} ${name}/${v.name}`,
        () => api('POST', `${base}/${v.paused ? 'resume' : 'pause'}`, { variant: v.name }),
        `${v.name} ${v.paused ? 'resumed' : 'paused'}`,
      ).then(refresh),
    );
    const promote = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        'data-focus': `${name}:promote:${v.name}`,
        'aria-label': `Promote variant ${v.name}`,
      },
      'Promote',
    );
    promote.addEventListener('click', () => {
      if (!confirm(`Promote ${v.name} (${v.target})? It becomes the only variant of ${name}; a roll back undoes it.`))
        return;
      void act(
        promote,
        `Promote ${name}/${v.name}`,
        () => api('POST', `${base}/promote`, { variant: v.name }),
        `${v.name} promoted`,
      ).then(refresh);
    });
    const role = [v.name === exp.control ? 'control' : '', v.shadow ? 'shadow' : '', v.paused ? 'paused' : '']
      .filter(Boolean)
      .join(', ');
    const fig = (/** @type {string} */ k) => h('td', { 'data-fig': `${v.name}:${k}` }, '–');
    return h(
      'tr',
      { 'data-variant': v.name },
      h('th', { scope: 'row' }, v.name),
      h(
        'td',
        {},
        h('a', { href: `#/models/${encodeURIComponent(String(v.target).split(/[:@]/)[0] ?? '')}` }, v.target),
      ),
      h('td', {}, role || '–'),
      h('td', {}, v.shadow ? '–' : weight),
      fig('share'),
      fig('requests'),
      fig('errors'),
      fig('latency'),
      fig('top'),
      fig('agreement'),
      fig('reward'),
      h('td', { class: 'actions' }, pause, promote),
    );
  });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save weights');
  const form = h(
    'form',
    { 'aria-label': `Weights of ${name}` },
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'variants' },
        h('caption', {}, `Variants of ${name}: latency p50 / p95 / p99 in ms over recent requests`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Variant',
              'Target',
              'Role',
              'Weight',
              'Share',
              'Requests',
              'Errors',
              'Latency (ms)',
              'Top labels',
              'Shadow agreement',
              'Reward',
              'Actions',
            ].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
    h('div', { class: 'row' }, save, ...cardButtons(name, base, exp)),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = Object.fromEntries([...weights].map(([k, input]) => [k, Number(input.value)]));
    void act(
      save,
      `Change the weights of ${name}`,
      () => api('POST', `${base}/weights`, { weights: body }),
      `weights of ${name} saved`,
    ).then(refresh);
  });
  const card = h(
    'section',
    { class: 'card experiment', 'data-experiment': name, 'aria-labelledby': `exp-${name}` },
    h(
      'h2',
      { id: `exp-${name}` },
      h('a', { href: `#/experiments/${encodeURIComponent(name)}` }, name),
      ' ',
      h('span', { class: `state ${exp.state === 'READY' ? 'ready' : 'loading'}` }, exp.state),
      ' ',
      h('span', { class: 'tag' }, exp.mode),
    ),
    exp.description ? h('p', { class: 'lead' }, exp.description) : null,
    form,
  );
  fillFigures(card, exp);
  return card;
}

/**
 * Roll back and delete.
 *
 * @param {string} name
 * @param {string} base
 * @param {any} exp
 */
function cardButtons(name, base, exp) {
  const rollback = h('button', { type: 'button' }, 'Roll back');
  rollback.disabled = !exp.history;
  rollback.title = exp.history
    ? 'Back to the previous definition (and the label a promotion moved)'
    : 'No earlier definition';
  rollback.addEventListener('click', () =>
    act(rollback, `Roll back ${name}`, () => api('POST', `${base}/rollback`), `${name} rolled back`).then(refresh),
  );
  const del = h('button', { type: 'button', class: 'danger' }, 'Delete');
  del.addEventListener('click', () => {
    if (!confirm(`Delete the experiment ${name}? Its name stops answering.`)) return;
    void act(del, `Delete ${name}`, () => api('DELETE', base), `${name} deleted`).then(refresh);
  });
  return [rollback, del];
}

/**
 * The experiments page (`#/experiments`, or one of them): every experiment's card, rebuilt when its definition
 * changes (and not while a weight is being edited), its figures updated at every refresh.
 *
 * @param {HTMLElement} root
 * @param {string} [only]
 */
export function experimentsPage(root, only) {
  const list = h('div', { class: 'stack' });
  append(root, [
    only ? h('p', { class: 'crumbs' }, h('a', { href: '#/experiments' }, 'Experiments'), ' › ', only) : null,
    h('h1', {}, only ?? 'Experiments'),
    list,
  ]);
  /** @type {Map<string, { key: string, card: HTMLElement }>} */
  const cards = new Map();
  return {
    update() {
      const exps = state.experiments.filter((e) => !only || e.name === only);
      if (!exps.length)
        list.replaceChildren(
          h(
            'p',
            { class: 'hint' },
            only ? `No experiment ${only}.` : 'No experiments. Create one with POST /v1/experiments.',
          ),
        );
      for (const exp of exps) {
        const key = JSON.stringify([exp.state, exp.mode, exp.control, exp.variants, exp.history]);
        const had = cards.get(exp.name);
        if (had && (had.key === key || editing(had.card))) {
          fillFigures(had.card, exp);
          continue;
        }
        const card = experimentCard(exp);
        keepingFocus(list, () => (had ? had.card.replaceWith(card) : list.append(card)));
        cards.set(exp.name, { key, card });
      }
      for (const [n, c] of cards)
        if (!exps.some((e) => e.name === n)) {
          c.card.remove();
          cards.delete(n);
        }
      if (exps.length) list.querySelector(':scope > p.hint')?.remove();
    },
  };
}
