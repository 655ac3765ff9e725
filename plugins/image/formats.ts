/**
 * Image formats told apart by their first bytes: those the gateway decodes (sharp's prebuilt libvips: JPEG, PNG, WebP,
 * AVIF, GIF, TIFF) and well-known ones it does not (refused as unsupported media, 415, rather than as corrupt data).
 */

/** Formats decoded, as their magic bytes announce them. */
export const DECODED = ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff'] as const;
export type DecodedFormat = (typeof DECODED)[number];

/** How the decoded formats are named to clients. */
export const DECODED_TEXT = 'JPEG, PNG, WebP, AVIF, GIF or TIFF';

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/** The brands of an ISO base media file (`ftyp` box: major brand, then compatible brands), or none. */
function ftypBrands(b: Uint8Array): string[] {
  if (b.length < 16 || ascii(b, 4, 8) !== 'ftyp') return [];
  const size = Math.min(b.length, ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0, 256);
  const brands = [ascii(b, 8, 12)];
  for (let o = 16; o + 4 <= size; o += 4) brands.push(ascii(b, o, o + 4));
  return brands;
}

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
/** BITMAPCOREHEADER, BITMAPINFOHEADER and its successors: the DIB header sizes a BMP file may carry. */
const BMP_DIB_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

const MAGIC: Array<[DecodedFormat, (b: Uint8Array) => boolean]> = [
  ['jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['png', (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ['gif', (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46],
  ['webp', (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45],
  [
    'tiff',
    (b) => (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a),
  ],
  ['avif', (b) => ftypBrands(b).some((brand) => AVIF_BRANDS.has(brand))],
];

const UNSUPPORTED: Array<[string, (b: Uint8Array) => boolean]> = [
  ['BMP', (b) => b.length >= 18 && b[0] === 0x42 && b[1] === 0x4d && BMP_DIB_SIZES.has(b[14]! | (b[15]! << 8))],
  ['HEIC', (b) => ftypBrands(b).some((brand) => HEIF_BRANDS.has(brand))],
  ['ICO', (b) => b.length >= 6 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0 && b[4]! > 0],
  ['JPEG XL', (b) => (b[0] === 0xff && b[1] === 0x0a) || ascii(b, 4, 8) === 'JXL '],
  ['JPEG 2000', (b) => ascii(b, 4, 8) === 'jP  ' || (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51)],
  ['PSD', (b) => ascii(b, 0, 4) === '8BPS'],
  ['SVG', (b) => /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(ascii(b, 0, Math.min(b.length, 512)))],
];

/**
 * The decoded format the first bytes announce, if any.
 *
 * @example sniffImage(readFileSync('photo.avif')) // 'avif'
 */
export function sniffImage(bytes: Uint8Array): DecodedFormat | undefined {
  return MAGIC.find(([, test]) => test(bytes))?.[0];
}

/**
 * The name of a well-known image format that is not decoded (BMP, HEIC, ICO, JPEG XL, JPEG 2000, PSD, SVG), if the
 * first bytes announce one.
 *
 * @example unsupportedImage(readFileSync('scan.bmp')) // 'BMP'
 */
export function unsupportedImage(bytes: Uint8Array): string | undefined {
  return UNSUPPORTED.find(([, test]) => test(bytes))?.[0];
}
