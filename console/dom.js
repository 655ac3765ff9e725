// @ts-check
/**
 * A small element builder: the console's one way of making DOM (no framework, no innerHTML, so nothing the
 * gateway answers is ever parsed as markup).
 */

/**
 * @typedef {string | number | boolean | null | undefined | Node | Child[]} Child
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs
 */

/**
 * Appends children (strings become text; null, undefined and false are skipped; arrays are flattened).
 *
 * @param {Element | DocumentFragment} parent
 * @param {Child[]} children
 */
export function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.append(c instanceof Node ? c : String(c));
  }
}

/**
 * Sets attributes and listeners: `on<event>` keys add listeners, `true` sets an empty attribute, `false`, null and
 * undefined leave it out.
 *
 * @param {Element} el
 * @param {Attrs} attrs
 */
function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
}

/**
 * An HTML element.
 *
 * @example h('button', { type: 'button', onclick: () => go() }, 'Load')
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * An SVG element.
 *
 * @example svg('path', { d: 'M0 0L10 10', class: 'line' })
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/**
 * Replaces an element's children.
 *
 * @param {Element} el
 * @param {...Child} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * True while the user is working inside `el` (a control in it has the focus): live updates leave it alone then.
 *
 * @param {Element} el
 */
export function editing(el) {
  const a = document.activeElement;
  return !!a && a !== document.body && el.contains(a) && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName);
}

/**
 * Rebuilds part of the page and gives the focus back to the control that had it (matched by `data-focus`), so that a
 * live update never takes a keyboard user's place away.
 *
 * @param {Element} root
 * @param {() => void} rebuild
 */
export function keepingFocus(root, rebuild) {
  const a = document.activeElement;
  const key = a instanceof HTMLElement && root.contains(a) ? a.dataset.focus : undefined;
  rebuild();
  if (key === undefined) return;
  const again = root.querySelector(`[data-focus="${CSS.escape(key)}"]`);
  if (again instanceof HTMLElement) again.focus();
}
