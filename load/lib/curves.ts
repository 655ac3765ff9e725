/** One panel of a {@link curves} chart: a line per series over the shared x labels. */
export interface CurvePanel {
  title: string;
  series: Record<string, readonly number[]>;
}

const COLOURS = ['#888888', '#d8703b', '#3b7dd8', '#3ba55c', '#9b59b6'];
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Line charts side by side as SVG: evenly spaced x labels (e.g. connection counts), a log-scale y axis per panel
 * (latencies across orders of magnitude), a legend of the series, the value at every point.
 *
 * @example writeFileSync('latency-curves.svg', curves({ title, x: ['1', '4'], panels: [{ title: 'small', series: { off: [1, 4] } }] }));
 */
export function curves(o: {
  title: string;
  x: readonly string[];
  /** What the x labels count (under the axis). */
  xTitle?: string;
  panels: readonly CurvePanel[];
}): string {
  const PW = 380,
    PH = 260,
    M = { left: 50, right: 20, top: 60, bottom: 60 };
  const W = o.panels.length * (PW + M.left + M.right);
  const H = PH + M.top + M.bottom;
  const names = [...new Set(o.panels.flatMap((p) => Object.keys(p.series)))];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(o.title)}</title>`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(o.title)}</text>`,
  ];
  names.forEach((n, i) => {
    const x = 10 + i * 110;
    parts.push(
      `<rect x="${x}" y="30" width="14" height="4" fill="${COLOURS[i % COLOURS.length]}"/>`,
      `<text x="${x + 20}" y="36">${escapeXml(n)}</text>`,
    );
  });
  o.panels.forEach((panel, p) => {
    const x0 = p * (PW + M.left + M.right) + M.left;
    const values = Object.values(panel.series)
      .flat()
      .filter((v) => v > 0 && Number.isFinite(v));
    const lo = Math.log10(Math.min(...values, 1)),
      hi = Math.log10(Math.max(...values, 10));
    const y = (v: number) => M.top + PH - ((Math.log10(v) - lo) / (hi - lo || 1)) * PH;
    const x = (i: number) => x0 + (o.x.length === 1 ? PW / 2 : (i * PW) / (o.x.length - 1));
    parts.push(
      `<text x="${x0}" y="${M.top - 8}" font-weight="bold">${escapeXml(panel.title)}</text>`,
      `<line x1="${x0}" y1="${M.top + PH}" x2="${x0 + PW}" y2="${M.top + PH}" stroke="#444"/>`,
      `<line x1="${x0}" y1="${M.top}" x2="${x0}" y2="${M.top + PH}" stroke="#444"/>`,
    );
    for (let d = Math.ceil(lo); d <= Math.floor(hi); d++)
      parts.push(
        `<line x1="${x0}" y1="${y(10 ** d)}" x2="${x0 + PW}" y2="${y(10 ** d)}" stroke="#ddd"/>`,
        `<text x="${x0 - 6}" y="${y(10 ** d) + 4}" text-anchor="end">${10 ** d}</text>`,
      );
    if (o.xTitle)
      parts.push(`<text x="${x0 + PW / 2}" y="${M.top + PH + 38}" text-anchor="middle">${escapeXml(o.xTitle)}</text>`);
    o.x.forEach((label, i) => {
      parts.push(`<text x="${x(i)}" y="${M.top + PH + 18}" text-anchor="middle">${escapeXml(label)}</text>`);
    });
    Object.entries(panel.series).forEach(([name, vs]) => {
      const colour = COLOURS[names.indexOf(name) % COLOURS.length];
      const pts = vs.map((v, i) => [x(i), y(Math.max(v, 10 ** lo))] as const);
      parts.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`,
        ...pts.map(
          ([a, b], i) =>
            `<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${colour}"><title>${escapeXml(name)}: ${vs[i]!.toFixed(2)}</title></circle>`,
        ),
      );
    });
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
