import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { crc32, deflateSync } from 'node:zlib';
import { decodeImage, imageBytes } from './decode.ts';

const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/images/${f}`, import.meta.url));

describe('image decoding', () => {
  it('decodes JPEG and PNG photos to RGB at the requested size', async () => {
    for (const f of ['chelsea.jpg', 'coffee.png']) {
      const img = await decodeImage(fixture(f), { width: 64, height: 48 });
      expect([img.width, img.height, img.rgb.length]).toEqual([64, 48, 64 * 48 * 3]);
    }
  });

  it('applies EXIF orientation: the rotated file decodes like the upright one', async () => {
    const upright = await decodeImage(fixture('chelsea.jpg'), { width: 32, height: 32 });
    const rotated = await decodeImage(fixture('chelsea-exif6.jpg'), { width: 32, height: 32 });
    expect(rotated.original.width).toBeGreaterThan(rotated.original.height);
    expect(rotated.original.width).toBe(upright.original.width);
    let diff = 0;
    for (let i = 0; i < upright.rgb.length; i++) diff += Math.abs(upright.rgb[i]! - rotated.rgb[i]!);
    expect(diff / upright.rgb.length).toBeLessThan(12); // JPEG re-encoding noise only
  });

  it('flattens transparency onto the background', async () => {
    const white = await decodeImage(fixture('coffee-rgba.png'), { width: 8, height: 8 });
    const black = await decodeImage(fixture('coffee-rgba.png'), { width: 8, height: 8, background: [0, 0, 0] });
    expect([...white.rgb.subarray(0, 3)]).toEqual([255, 255, 255]); // top-left pixel is transparent
    expect([...black.rgb.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect([...white.rgb.subarray(7 * 3, 8 * 3)]).toEqual([...black.rgb.subarray(7 * 3, 8 * 3)]); // opaque right edge
  });

  it('converts greyscale and CMYK to three sRGB channels', async () => {
    const grey = await decodeImage(fixture('chelsea-grey.png'), { width: 16, height: 16 });
    expect(grey.rgb.length).toBe(16 * 16 * 3);
    expect(grey.rgb[0]).toBe(grey.rgb[1]);
    const cmyk = await decodeImage(fixture('chelsea-cmyk.jpg'), { width: 16, height: 16 });
    const rgb = await decodeImage(fixture('chelsea.jpg'), { width: 16, height: 16 });
    let diff = 0;
    for (let i = 0; i < rgb.rgb.length; i++) diff += Math.abs(rgb.rgb[i]! - cmyk.rgb[i]!);
    expect(diff / rgb.rgb.length).toBeLessThan(20);
  });

  it('accepts base64 and data URLs', async () => {
    const b64 = fixture('chelsea.jpg').toString('base64');
    expect(Buffer.from(imageBytes(b64)).equals(fixture('chelsea.jpg'))).toBe(true);
    const img = await decodeImage(`data:image/jpeg;base64,${b64}`, { width: 8, height: 8 });
    expect(img.original.format).toBe('jpeg');
  });

  it.each([
    ['truncated.jpg', /could not decode image \(jpeg\)/],
    ['random.bin', /could not decode image/],
  ])('refuses %s with INVALID_IMAGE', async (f, message) => {
    await expect(decodeImage(fixture(f), { width: 8, height: 8 })).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
      message: expect.stringMatching(message),
    });
  });

  it("decodes AVIF (sharp's prebuilt libvips reads it)", async () => {
    const avif = await sharp(fixture('chelsea.jpg')).avif({ quality: 60 }).toBuffer();
    const img = await decodeImage(avif, { width: 16, height: 16 });
    expect(img.rgb.length).toBe(16 * 16 * 3);
    const jpeg = await decodeImage(fixture('chelsea.jpg'), { width: 16, height: 16 });
    expect([img.original.width, img.original.height]).toEqual([jpeg.original.width, jpeg.original.height]);
    await expect(decodeImage(avif.toString('base64'), { width: 8, height: 8 })).resolves.toMatchObject({ width: 8 });
  });

  it('refuses well-known formats it does not decode as unsupported media (415), raw or base64, naming the format', async () => {
    const bmp = (() => {
      const pixels = Buffer.alloc(2 * 4); // 2×2, 24-bit rows padded to 4 bytes
      const b = Buffer.alloc(54 + pixels.length);
      b.write('BM', 0, 'latin1');
      b.writeUInt32LE(b.length, 2);
      b.writeUInt32LE(54, 10);
      b.writeUInt32LE(40, 14); // BITMAPINFOHEADER
      b.writeInt32LE(2, 18);
      b.writeInt32LE(2, 22);
      b.writeUInt16LE(1, 26);
      b.writeUInt16LE(24, 28);
      pixels.copy(b, 54);
      return b;
    })();
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]);
    const svg = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    for (const [bytes, name] of [
      [bmp, 'BMP'],
      [heic, 'HEIC'],
      [svg, 'SVG'],
    ] as const) {
      for (const input of [bytes, bytes.toString('base64')]) {
        await expect(decodeImage(input, { width: 8, height: 8 })).rejects.toMatchObject({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: expect.stringContaining(`${name} images are not supported`),
        });
      }
    }
  });

  it('says that URLs are not fetched when one is sent instead of an image', async () => {
    await expect(decodeImage('https://example.com/cat.jpg', { width: 8, height: 8 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('does not fetch URLs'),
    });
  });

  it('refuses a decompression bomb before decoding it', async () => {
    const bomb = await sharp({ create: { width: 12000, height: 12000, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect(bomb.length).toBeLessThan(2_000_000);
    await expect(decodeImage(bomb, { width: 8, height: 8 })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('reads the declared size from the header: a PNG claiming 100000×100000 pixels is 413 without decoding, a lying small one 400', async () => {
    const chunk = (type: string, data: Buffer) => {
      const body = Buffer.concat([Buffer.from(type), data]);
      const head = Buffer.alloc(4);
      head.writeUInt32BE(data.length);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body));
      return Buffer.concat([head, body, crc]);
    };
    const png = (width: number, height: number) => {
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(width, 0);
      ihdr.writeUInt32BE(height, 4);
      ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
      // A valid header and 16 bytes of pixel data: far fewer than the header claims.
      return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk('IHDR', ihdr),
        chunk('IDAT', deflateSync(Buffer.alloc(16))),
        chunk('IEND', Buffer.alloc(0)),
      ]);
    };
    await expect(decodeImage(png(100_000, 100_000), { width: 8, height: 8 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringContaining('40000000'),
    });
    await expect(decodeImage(png(2 ** 31 - 1, 2 ** 31 - 1), { width: 8, height: 8 })).rejects.toMatchObject({
      code: expect.stringMatching(/^(PAYLOAD_TOO_LARGE|INVALID_IMAGE)$/),
    });
    await expect(decodeImage(png(64, 64), { width: 8, height: 8 })).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
  });
});
