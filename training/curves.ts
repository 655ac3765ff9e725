import type { EpochReport } from './types.ts';

const W = 640;
const PANEL_H = 220;
const M = { left: 56, right: 16, top: 40, bottom: 40 };
const COLORS = { train: '#1f77b4', val: '#ff7f0e' };

interface Series {
  name: string;
  color: string;
  dashed: boolean;
  values: number[];
}

/** Escapes text for SVG/XML content and attribute values. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A number for SVG coordinates: finite, two decimals. */
function n(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/** About `count` round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

function label(v: number): string {
  return Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.01) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** One panel: axes, ticks, grid, a path (and dots) per series, a legend. */
function panel(top: number, title: string, series: Series[], epochs: number[], yFixed?: [number, number]): string {
  const x0 = M.left;
  const x1 = W - M.right;
  const y0 = top + PANEL_H - M.bottom;
  const y1 = top + M.top;
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  let [lo, hi] = yFixed ?? [Math.min(0, ...finite), finite.length ? Math.max(...finite) : 1];
  if (!(hi > lo)) hi = lo + 1;
  const yTicks = ticks(lo, hi, 5);
  hi = Math.max(hi, yTicks.at(-1) ?? hi);
  const first = epochs[0] ?? 1;
  const last = epochs.at(-1) ?? 1;
  const xs = (e: number) => (last === first ? (x0 + x1) / 2 : x0 + ((e - first) / (last - first)) * (x1 - x0));
  const ys = (v: number) => y0 - ((v - lo) / (hi - lo)) * (y0 - y1);
  const xTicks =
    last === first ? [first] : ticks(first, last, Math.min(10, last - first)).filter((t) => Number.isInteger(t));

  const parts: string[] = [
    `<text x="${n(x0)}" y="${n(top + 24)}" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  for (const t of yTicks) {
    parts.push(`<line x1="${n(x0)}" x2="${n(x1)}" y1="${n(ys(t))}" y2="${n(ys(t))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${n(x0 - 6)}" y="${n(ys(t) + 4)}" font-size="10" text-anchor="end">${esc(label(t))}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<line x1="${n(xs(t))}" x2="${n(xs(t))}" y1="${n(y0)}" y2="${n(y0 + 4)}" stroke="#333"/>`);
    parts.push(`<text x="${n(xs(t))}" y="${n(y0 + 16)}" font-size="10" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<path d="M${n(x0)} ${n(y1)}V${n(y0)}H${n(x1)}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${n((x0 + x1) / 2)}" y="${n(y0 + 32)}" font-size="11" text-anchor="middle">epoch</text>`);
  series.forEach((s, k) => {
    let d = '';
    let pen = false;
    const dots: string[] = [];
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      const [px, py] = [n(xs(epochs[i]!)), n(ys(v))];
      d += `${pen ? 'L' : 'M'}${px} ${py}`;
      pen = true;
      dots.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${s.color}"/>`);
    });
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    parts.push(
      `<path class="series" data-series="${esc(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
      ...dots,
    );
    const lx = x1 - 230 + k * 115;
    parts.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${n(top + 20)}" y2="${n(top + 20)}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${lx + 25}" y="${n(top + 24)}" font-size="11">${esc(s.name)}</text>`);
  });
  return parts.join('');
}

/**
 * Training curves as a self-contained SVG (no fonts, scripts or links): a loss panel (loss and
 * validation loss) above an accuracy panel (accuracy and validation accuracy), one point per epoch.
 * Non-finite values are left out (the line breaks there).
 *
 * @example
 * writeFileSync('curves.svg', curvesSvg(result.epochs, 'nsfw-mobilenet-v2 v3'));
 */
export function curvesSvg(epochs: EpochReport[], title: string): string {
  const e = epochs.map((r) => r.epoch);
  const pick = (f: (r: EpochReport) => number) => epochs.map(f);
  const H = 30 + 2 * PANEL_H;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" font-size="15" text-anchor="middle">${esc(title)}</text>`,
    panel(
      30,
      'Loss',
      [
        { name: 'loss', color: COLORS.train, dashed: false, values: pick((r) => r.loss) },
        { name: 'val loss', color: COLORS.val, dashed: true, values: pick((r) => r.valLoss) },
      ],
      e,
    ),
    panel(
      30 + PANEL_H,
      'Accuracy',
      [
        { name: 'accuracy', color: COLORS.train, dashed: false, values: pick((r) => r.accuracy) },
        { name: 'val accuracy', color: COLORS.val, dashed: true, values: pick((r) => r.valAccuracy) },
      ],
      e,
      [0, 1],
    ),
    '</svg>',
  ].join('\n');
}
