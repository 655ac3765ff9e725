import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG from its IHDR fields and raw (unfiltered-row) pixel stream, compressed in one deflate. */
function png(width: number, height: number, bitDepth: number, colourType: number, raw: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(bitDepth, 8);
  ihdr.writeUInt8(colourType, 9);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Image and audio payloads the fuzzer sends: valid ones (to corrupt) and hostile ones. Built once per
 * process (the bomb takes ~0.3 s: 50 MB of zero rows deflated to ~50 KB).
 */
export interface Media {
  /** A real 64×64 PNG and JPEG (a gradient). */
  png: Buffer;
  jpeg: Buffer;
  /** 1×1 PNG, for many-instance requests. */
  dot: Buffer;
  /** A 20000×20000 1-bit PNG (400 Mpixels decoded) in ~50 KB. */
  bomb: Buffer;
  /** A 64×64 PNG whose IHDR claims 60000×60000 (a lying header over small data). */
  liar: Buffer;
  /** One second of a 440 Hz tone, 16 kHz mono 16-bit PCM WAV. */
  wav: Buffer;
}

let cached: Promise<Media> | undefined;

/** The payloads, built on first use. */
export function media(): Promise<Media> {
  cached ??= build();
  return cached;
}

async function build(): Promise<Media> {
  const side = 64;
  const rgb = Buffer.alloc(side * side * 3);
  for (let i = 0; i < side * side; i++) rgb.set([(i % side) * 4, Math.floor(i / side) * 4, 128], i * 3);
  const img = () => sharp(rgb, { raw: { width: side, height: side, channels: 3 } });
  const [pngBuf, jpeg, dot] = await Promise.all([
    img().png().toBuffer(),
    img().jpeg().toBuffer(),
    sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
      .png()
      .toBuffer(),
  ]);
  const W = 20000;
  const bomb = png(W, W, 1, 0, Buffer.alloc((1 + W / 8) * W));
  const liar = Buffer.from(pngBuf);
  liar.writeUInt32BE(60000, 16);
  liar.writeUInt32BE(60000, 20);
  liar.writeUInt32BE(crc32(liar.subarray(12, 29)) >>> 0, 29);
  return { png: pngBuf, jpeg, dot, bomb, liar, wav: wav({ rate: 16000, channels: 1, bits: 16, samples: tone(16000) }) };
}

function tone(n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)));
}

export interface WavSpec {
  rate: number;
  channels: number;
  bits: number;
  samples: Int16Array;
  /** Lies written into the header instead of the true values. */
  riffSize?: number;
  dataSize?: number;
  format?: number;
  blockAlign?: number;
}

/** A RIFF/WAVE file; the `…Size`, `format` and `blockAlign` fields may lie. */
export function wav(s: WavSpec): Buffer {
  const data = Buffer.from(s.samples.buffer, s.samples.byteOffset, s.samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(s.riffSize ?? 36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(s.format ?? 1, 20);
  h.writeUInt16LE(s.channels, 22);
  h.writeUInt32LE(s.rate, 24);
  h.writeUInt32LE(Math.floor((s.rate * s.channels * s.bits) / 8) % 2 ** 32, 28);
  h.writeUInt16LE((s.blockAlign ?? Math.floor((s.channels * s.bits) / 8)) & 0xffff, 32);
  h.writeUInt16LE(s.bits, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(s.dataSize ?? data.length, 40);
  return Buffer.concat([h, data]);
}
