import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { packageDir } from '../../core/package-dir.ts';
import { seededRandom as random } from '../../core/random.ts';

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her ' +
  'report invoice section total amount page table figure summary results method data value number account date customer order payment ' +
  'shipping address quarterly revenue analysis appendix reference chapter contents introduction conclusion agreement terms conditions'
).split(' ');
const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono'];
const SIZES: Array<[number, number]> = [
  [420, 560],
  [560, 420],
  [480, 640],
  [640, 480],
  [400, 400],
];

const esc = (s: string) => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

/**
 * Pages of rendered text — a title, paragraphs in one or two columns, sometimes a ruled table — in
 * several fonts, sizes and layouts, drawn by sharp from SVG (fonts from the system, DejaVu on Debian).
 */
export async function documentImages(count: number, seed: number): Promise<Buffer[]> {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: Buffer[] = [];
  for (let n = 0; n < count; n++) {
    const [w, h] = pick(SIZES);
    const font = pick(FONTS);
    const size = 9 + Math.floor(r() * 9);
    const columns = w > 500 && r() < 0.5 ? 2 : 1;
    const margin = 20 + Math.floor(r() * 20);
    const paper = pick(['#ffffff', '#fbfaf5', '#f4f4f4', '#fffef0']);
    const ink = pick(['#111111', '#222244', '#303030']);
    const parts: string[] = [`<rect width="100%" height="100%" fill="${paper}"/>`];
    parts.push(
      `<text x="${margin}" y="${margin + size * 2}" font-family="${font}" font-size="${size * 1.8}" font-weight="bold" fill="${ink}">${esc(
        Array.from({ length: 2 + Math.floor(r() * 3) }, () => pick(WORDS))
          .join(' ')
          .toUpperCase(),
      )}</text>`,
    );
    const colWidth = (w - margin * (columns + 1)) / columns;
    const perLine = Math.max(3, Math.floor(colWidth / (size * 0.62 * 6)));
    let tableAt = r() < 0.35 ? Math.floor(h * (0.4 + r() * 0.3)) : -1;
    for (let c = 0; c < columns; c++) {
      const x = margin + c * (colWidth + margin);
      for (let y = margin + size * 4; y < h - margin; y += size * 1.5) {
        if (tableAt > 0 && c === 0 && y >= tableAt) {
          const rows = 4 + Math.floor(r() * 4);
          for (let k = 0; k <= rows; k++)
            parts.push(
              `<line x1="${x}" y1="${y + k * size * 1.6}" x2="${w - margin}" y2="${y + k * size * 1.6}" stroke="${ink}" stroke-width="1"/>`,
            );
          for (let k = 0; k < rows; k++)
            parts.push(
              `<text x="${x + 4}" y="${y + k * size * 1.6 + size * 1.2}" font-family="${font}" font-size="${size}" fill="${ink}">${esc(`${pick(WORDS)} ${Math.floor(r() * 9999)}.${Math.floor(r() * 99)}`)}</text>`,
            );
          y += rows * size * 1.6 + size;
          tableAt = -1;
          continue;
        }
        if (r() < 0.08) continue; // paragraph break
        parts.push(
          `<text x="${x}" y="${y}" font-family="${font}" font-size="${size}" fill="${ink}">${esc(Array.from({ length: perLine }, () => pick(WORDS)).join(' '))}</text>`,
        );
      }
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join('')}</svg>`;
    out.push(await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
  }
  return out;
}

const pkg = (name: string, file: string) => join(packageDir(name), file);

/** Photos that ship in this repository and in installed npm packages, in two disjoint groups. */
export const PHOTO_SOURCES = {
  train: [
    new URL('../fixtures/images/astronaut.jpg', import.meta.url).pathname,
    new URL('../fixtures/images/chelsea.jpg', import.meta.url).pathname,
    pkg('@vladmandic/face-api', 'demo/sample1.jpg'),
    pkg('@vladmandic/face-api', 'demo/sample2.jpg'),
    pkg('@vladmandic/face-api', 'demo/sample3.jpg'),
    pkg('@vladmandic/human', 'assets/samples.jpg'),
  ],
  heldOut: [
    new URL('../fixtures/images/rocket.jpg', import.meta.url).pathname,
    pkg('@vladmandic/face-api', 'demo/sample4.jpg'),
    pkg('@vladmandic/face-api', 'demo/sample5.jpg'),
    pkg('@vladmandic/face-api', 'demo/sample6.jpg'),
    pkg('autocannon', 'test/j5.jpeg'),
  ],
};

/** `count` random crops (35–100 % of each side), some mirrored, of the given photos, as ~256-pixel JPEGs. */
export async function photoImages(sources: readonly string[], count: number, seed: number): Promise<Buffer[]> {
  const r = random(seed);
  const out: Buffer[] = [];
  for (let n = 0; n < count; n++) {
    const file = readFileSync(sources[n % sources.length]!);
    const { width, height } = await sharp(file).metadata();
    const cw = Math.max(32, Math.floor(width! * (0.35 + 0.65 * r())));
    const ch = Math.max(32, Math.floor(height! * (0.35 + 0.65 * r())));
    let img = sharp(file)
      .extract({ left: Math.floor(r() * (width! - cw)), top: Math.floor(r() * (height! - ch)), width: cw, height: ch })
      .resize(256, 256, { fit: 'inside' });
    if (r() < 0.5) img = img.flop();
    out.push(await img.jpeg({ quality: 85 }).toBuffer());
  }
  return out;
}

/**
 * Flat-coloured cartoons — a sky or a plain ground, a sun, hills, a house or a face, bold outlines —
 * drawn by sharp from SVG as `size`-pixel JPEGs: what the nsfwjs models call a Drawing, mostly.
 */
export async function drawingImages(count: number, seed: number, size = 192): Promise<Buffer[]> {
  const r = random(seed);
  const colour = () => `hsl(${Math.floor(r() * 360)},${60 + Math.floor(r() * 40)}%,${45 + Math.floor(r() * 30)}%)`;
  const out: Buffer[] = [];
  for (let n = 0; n < count; n++) {
    const s = size;
    const parts = [`<rect width="100%" height="100%" fill="${colour()}"/>`];
    parts.push(
      `<circle cx="${s * (0.15 + r() * 0.7)}" cy="${s * 0.2}" r="${s * (0.06 + r() * 0.08)}" fill="#ffd700" stroke="#000" stroke-width="3"/>`,
    );
    for (let h = 0; h < 1 + Math.floor(r() * 3); h++)
      parts.push(
        `<ellipse cx="${s * r()}" cy="${s}" rx="${s * (0.3 + r() * 0.4)}" ry="${s * (0.2 + r() * 0.3)}" fill="${colour()}" stroke="#000" stroke-width="3"/>`,
      );
    const x = s * (0.2 + r() * 0.4);
    const w = s * (0.25 + r() * 0.2);
    if (r() < 0.5) {
      parts.push(
        `<rect x="${x}" y="${s * 0.5}" width="${w}" height="${w * 0.8}" fill="${colour()}" stroke="#000" stroke-width="4"/>`,
      );
      parts.push(
        `<polygon points="${x - 8},${s * 0.5} ${x + w / 2},${s * 0.5 - w * 0.5} ${x + w + 8},${s * 0.5}" fill="${colour()}" stroke="#000" stroke-width="4"/>`,
      );
    } else {
      const cy = s * 0.55;
      parts.push(
        `<circle cx="${x + w / 2}" cy="${cy}" r="${w / 2}" fill="${colour()}" stroke="#000" stroke-width="4"/>`,
      );
      parts.push(
        `<circle cx="${x + w * 0.35}" cy="${cy - w * 0.1}" r="${w * 0.06}" fill="#000"/><circle cx="${x + w * 0.65}" cy="${cy - w * 0.1}" r="${w * 0.06}" fill="#000"/>`,
      );
      parts.push(
        `<path d="M ${x + w * 0.3} ${cy + w * 0.15} Q ${x + w / 2} ${cy + w * 0.35} ${x + w * 0.7} ${cy + w * 0.15}" stroke="#000" stroke-width="4" fill="none"/>`,
      );
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${s}" height="${s}">${parts.join('')}</svg>`;
    out.push(await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
  }
  return out;
}

/** Images made smaller (the longer side `size` pixels), for tests that send many. */
export async function shrink(images: readonly Buffer[], size = 192): Promise<Buffer[]> {
  return Promise.all(
    images.map((b) => sharp(b).resize(size, size, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer()),
  );
}

/**
 * The distillation set of the nsfw ensemble (e2e test and `npm run load -- distill`): 120 small images
 * made here — crops of everyday photos (48) and flat cartoons (36), half of each labelled (Neutral,
 * Drawing: ground truth for the accuracy figures), and pages of text (36, unlabelled) — as `:predict`
 * instances.
 */
export async function nsfwDistillInputs(): Promise<Array<{ b64: string; label?: string }>> {
  const [photos, drawings, pages] = await Promise.all([
    photoImages([...PHOTO_SOURCES.train, ...PHOTO_SOURCES.heldOut], 48, 11),
    drawingImages(36, 12),
    documentImages(36, 13).then((d) => shrink(d)),
  ]);
  const b64 = (b: Buffer) => b.toString('base64');
  return [
    ...photos.map((p, i) => ({ b64: b64(p), ...(i % 2 ? { label: 'Neutral' } : {}) })),
    ...drawings.map((d, i) => ({ b64: b64(d), ...(i % 2 ? { label: 'Drawing' } : {}) })),
    ...pages.map((p) => ({ b64: b64(p) })),
  ];
}

/**
 * The options of the nsfw distillation (e2e test and `npm run load -- distill`): the base's last two dense
 * layers and its output layer trained (the student starts as its base), T = 2. The base is itself a member
 * and agrees with the ensemble on some 29 of 30 held-out images: one image either way is noise at this size,
 * so the gate checks the bar (0.8) only, not "not below the base".
 */
export const NSFW_DISTILL_OPTIONS = {
  epochs: 30,
  learningRate: 0.001,
  batchSize: 16,
  validationSplit: 0.25,
  patience: 6,
  seed: 3,
  temperature: 2,
  unfreeze: 2,
  notWorse: false,
};
