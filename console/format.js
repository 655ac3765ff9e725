// @ts-check
/** How numbers and times read on the page. */

/**
 * A number with at most `digits` decimals and no trailing zeros; '–' for null or undefined.
 *
 * @param {number | null | undefined} v
 * @param {number} [digits]
 */
export function num(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  return Number(v.toFixed(digits)).toLocaleString('en', { maximumFractionDigits: digits });
}

/**
 * A fraction as a percentage.
 *
 * @param {number | null | undefined} v
 */
export function pct(v, digits = 0) {
  return v === null || v === undefined ? '–' : `${num(v * 100, digits)} %`;
}

/**
 * An ISO time as the local time of day (today) or date and time.
 *
 * @param {string | undefined} iso
 */
export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}
