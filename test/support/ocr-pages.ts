import sharp from 'sharp';

/** The seven lines of the rendered test page, top to bottom. */
export const PAGE_LINES = [
  'Massgate serves models over HTTP',
  'Invoice 2026-11-23 total 1,284.50',
  'The quick brown fox jumps over',
  'the lazy dog near the river bank',
  'Order 4471 shipped to Berlin',
  'Call 030 1234 5678 for help',
  'Thank you for your business!',
] as const;

interface PageOptions {
  /** Degrees the whole page is turned, clockwise (sharp's sense); the canvas grows, white around. */
  angle?: number;
  /** Indexes of lines drawn upside down (turned 180° about their own centre). */
  upsideDown?: readonly number[];
  lines?: readonly string[];
  /** Font family (default DejaVu Sans). */
  font?: string;
}

/** Baseline to baseline, px: 1.5 × the font size, as printed pages set body text. */
const LEAD = 42;

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A PNG page of text lines rendered from SVG (DejaVu Sans 28 px on white, 42 px apart as in
 * print), optionally
 * turned as a tilted scan would be, with some lines upside down: inputs whose text is known exactly.
 *
 * @example const png = await renderPage({ angle: -5, upsideDown: [3] });
 */
export async function renderPage(o: PageOptions = {}): Promise<Buffer> {
  const lines = o.lines ?? PAGE_LINES;
  const width = 760,
    height = LEAD * lines.length + 60;
  const body = lines
    .map((s, i) => {
      const y = 60 + LEAD * i;
      // An upside-down line is turned about the middle of its em box (baseline − 10 px at 28 px).
      const turn = o.upsideDown?.includes(i) ? ` transform="rotate(180 ${width / 2} ${y - 10})"` : '';
      const x = turn ? `x="${width / 2}" text-anchor="middle"` : 'x="48"';
      return `<text ${x} y="${y}"${turn} font-family="${o.font ?? 'DejaVu Sans'}" font-size="28" fill="#111">${xmlEscape(s)}</text>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${body}</svg>`;
  const page = sharp(Buffer.from(svg));
  if (o.angle) page.rotate(o.angle, { background: 'white' });
  return page.png().toBuffer();
}

/** Edit distance between two strings (insertions, deletions, substitutions), by UTF-16 unit. */
function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Character accuracy of a read text against the truth: 1 − edit distance / truth length, floored at 0.
 *
 * @example charAccuracy('Hel1o', 'Hello') // 0.8
 */
export function charAccuracy(read: string, truth: string): number {
  return Math.max(0, 1 - levenshtein(read, truth) / truth.length);
}
