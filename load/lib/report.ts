import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { percentile } from '../../core/percentile.ts';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));

export interface ReportRow {
  label: string;
  /** Throughput in the row's unit (items/s or req/s). */
  throughput: number;
  unit: string;
  p50Ms?: number;
  p99Ms?: number;
  note?: string;
}

export interface Report {
  scenario: string;
  command: string;
  rows: ReportRow[];
  ratios: Record<string, number>;
  extra?: Record<string, unknown>;
  /** Further charts (SVG text), written as `<scenario>-<name>.svg`. */
  charts?: Record<string, string>;
}

/** The arithmetic mean of samples. */
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A row of sequential request latencies (ms): throughput as 1000 / mean, with p50 and p99. */
export function sequentialRow(label: string, samplesMs: number[], unit: string, note: string): ReportRow {
  return {
    label,
    throughput: 1000 / mean(samplesMs),
    unit,
    p50Ms: percentile(samplesMs, 50),
    p99Ms: percentile(samplesMs, 99),
    note,
  };
}

const fmt = (n: number | undefined, d = 1) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d));

/** Markdown table of a report (what docs/benchmarks.md quotes). */
function markdown(r: Report): string {
  const lines = [
    `### ${r.scenario} — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`,
    '',
    `Command: \`${r.command}\``,
    '',
    '| run | throughput | p50 ms | p99 ms | notes |',
    '|---|---:|---:|---:|---|',
    ...r.rows.map(
      (x) => `| ${x.label} | ${fmt(x.throughput)} ${x.unit} | ${fmt(x.p50Ms)} | ${fmt(x.p99Ms)} | ${x.note ?? ''} |`,
    ),
    '',
    ...Object.entries(r.ratios).map(([k, v]) => `- ${k}: **${v.toFixed(2)}**`),
    '',
  ];
  return lines.join('\n');
}

/** A bar chart of throughput (and p99 beside it) as SVG. */
function svg(r: Report): string {
  const W = 760,
    barH = 26,
    gap = 14,
    left = 300,
    top = 40;
  const max = Math.max(...r.rows.map((x) => x.throughput), 1);
  const h = top + r.rows.length * (barH + gap) + 20;
  const bars = r.rows
    .map((x, i) => {
      const y = top + i * (barH + gap);
      const w = ((W - left - 120) * x.throughput) / max;
      return (
        `<text x="${left - 8}" y="${y + 17}" text-anchor="end" font-size="13">${escapeXml(x.label)}</text>` +
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="#3b7dd8"/>` +
        `<text x="${left + w + 6}" y="${y + 17}" font-size="12">${fmt(x.throughput)} ${x.unit}${x.p99Ms !== undefined ? ` · p99 ${fmt(x.p99Ms)} ms` : ''}</text>`
      );
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(r.scenario)}</text>\n${bars}\n</svg>\n`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Writes `<scenario>.json`, `.md` and `.svg` to load/results/ and prints the Markdown. */
export function writeReport(r: Report): void {
  mkdirSync(RESULTS, { recursive: true });
  const base = RESULTS + r.scenario;
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      { ...r, charts: undefined, date: new Date().toISOString(), cores: cpus().length, node: process.version },
      null,
      2,
    ),
  );
  writeFileSync(`${base}.md`, markdown(r));
  writeFileSync(`${base}.svg`, svg(r));
  for (const [name, chart] of Object.entries(r.charts ?? {})) writeFileSync(`${base}-${name}.svg`, chart);
  process.stdout.write(`\n${markdown(r)}\nwritten: ${base}.{json,md,svg}\n`);
}
