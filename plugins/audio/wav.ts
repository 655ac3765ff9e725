import { GatewayError } from '../../core/errors.ts';

interface Pcm {
  sampleRate: number;
  /** Mono samples in [-1, 1] (channels averaged). */
  samples: Float32Array;
  channels: number;
  bitsPerSample: number;
  format: 'pcm' | 'float';
}

const FORMATS: Array<[string, (b: Uint8Array) => boolean]> = [
  ['MP3', (b) => (b[0] === 0x49 && b[1] === 0x44 && b[2] === 0x33) || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0)],
  ['Ogg', (b) => b[0] === 0x4f && b[1] === 0x67 && b[2] === 0x67 && b[3] === 0x53],
  ['FLAC', (b) => b[0] === 0x66 && b[1] === 0x4c && b[2] === 0x61 && b[3] === 0x43],
  ['MP4/M4A', (b) => b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70],
  ['WebM', (b) => b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3],
];

const bad = (message: string) => new GatewayError('INVALID_AUDIO', `invalid WAV: ${message}`);

/** How a WAV's samples are stored. */
export interface PcmFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  format: 'pcm' | 'float';
}

/** A checked WAV file: its format and where its samples lie, nothing decoded yet. */
interface WavInfo extends PcmFormat {
  /** Sample frames (one sample per channel each). */
  frames: number;
  /** The data chunk's bytes. */
  data: Uint8Array;
}

/** Where a WAV's samples start: its format, the data chunk's offset and declared size (absent: to the end). */
interface WavStart extends PcmFormat {
  dataOffset: number;
  /** The data chunk's declared size; absent when a streaming writer left it 0 or 0xFFFFFFFF. */
  dataBytes?: number;
}

/** Bytes of one sample frame (a sample per channel). */
export const frameBytes = (f: PcmFormat): number => (f.bitsPerSample / 8) * f.channels;

/** 413 when `frames` at `rate` last longer than `maxSeconds`. */
export function checkSeconds(frames: number, rate: number, maxSeconds: number | undefined): void {
  const seconds = frames / rate;
  if (maxSeconds !== undefined && seconds > maxSeconds) {
    throw new GatewayError(
      'PAYLOAD_TOO_LARGE',
      `the audio lasts ${seconds.toFixed(1)} s; the limit is ${maxSeconds} s`,
    );
  }
}

/** Refuses what is not RIFF/WAVE: other audio formats by name (415), anything else 400. */
function notWav(bytes: Uint8Array): GatewayError {
  const other = FORMATS.find(([, test]) => test(bytes))?.[0];
  if (other)
    return new GatewayError('UNSUPPORTED_MEDIA_TYPE', `${other} audio is not supported: send WAV (PCM or float)`);
  return new GatewayError('INVALID_AUDIO', 'not a WAV file (no RIFF/WAVE header)');
}

const isRiffWave = (b: Uint8Array) =>
  String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WAVE';

/**
 * Finds the data chunk of a RIFF/WAVE file from its first bytes, its format checked (see readWavHeader).
 * While the fmt chunk or the data chunk's header has not arrived it says what is missing (the error
 * of a file that ends there); the data's length is not checked (it may not have arrived either).
 *
 * @example const start = wavStart(firstBytes); if ('missing' in start) readMore(); else begin(start.dataOffset);
 */
export function wavStart(bytes: Uint8Array): WavStart | { missing: string } {
  const riff = [0x52, 0x49, 0x46, 0x46]; // 'RIFF': anything else is refused from its first bytes
  if (riff.some((b, i) => i < bytes.length && bytes[i] !== b)) throw notWav(bytes);
  if (bytes.length < 12) return { missing: 'not a WAV file (no RIFF/WAVE header)' };
  if (!isRiffWave(bytes)) throw notWav(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: PcmFormat | undefined;
  for (let o = 12; o + 8 <= bytes.length; ) {
    const id = String.fromCharCode(...bytes.subarray(o, o + 4));
    const size = view.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'data') {
      if (!fmt) throw bad('no fmt chunk before the data chunk');
      const streamed = size === 0 || size === 0xffffffff; // streaming writers: the data runs to the end of the file
      return { ...fmt, dataOffset: body, ...(streamed ? {} : { dataBytes: size }) };
    }
    if (id === 'fmt ') {
      if (size < 16) throw bad('truncated fmt chunk');
      if (body + size > bytes.length) return { missing: 'truncated fmt chunk' };
      fmt = checkFormat(view, body, size);
    }
    o = body + size + (size & 1);
  }
  return { missing: fmt ? 'no data chunk' : 'no fmt chunk' };
}

/** The fmt chunk at `body` checked: PCM 8/16/24/32-bit or float 32/64, plain or EXTENSIBLE. */
function checkFormat(view: DataView, body: number, size: number): PcmFormat {
  let format = view.getUint16(body, true);
  if (format === 0xfffe && size >= 40) format = view.getUint16(body + 24, true); // EXTENSIBLE: the sub-format GUID starts with the format code
  const channels = view.getUint16(body + 2, true);
  const rate = view.getUint32(body + 4, true);
  const bits = view.getUint16(body + 14, true);
  if (format !== 1 && format !== 3)
    throw new GatewayError(
      'UNSUPPORTED_MEDIA_TYPE',
      `WAV format code ${format} is not supported (PCM or IEEE float only)`,
    );
  if (channels < 1 || channels > 32) throw bad(`${channels} channels`);
  if (rate < 1000 || rate > 384_000) throw bad(`sample rate ${rate} Hz`);
  if (!(format === 1 ? [8, 16, 24, 32] : [32, 64]).includes(bits))
    throw bad(`${bits}-bit ${format === 1 ? 'PCM' : 'float'} is not supported`);
  return { sampleRate: rate, channels, bitsPerSample: bits, format: format === 3 ? 'float' : 'pcm' };
}

/**
 * Reads and checks a RIFF/WAVE header without decoding a sample: PCM 8-bit (unsigned), 16, 24 and
 * 32-bit, IEEE float 32 and 64-bit, plain or WAVE_FORMAT_EXTENSIBLE, any channel count and sample
 * rate. Unknown chunks are skipped (with RIFF's odd-size padding). Truncated or inconsistent files are
 * INVALID_AUDIO; other audio formats are UNSUPPORTED_MEDIA_TYPE naming the format; longer than
 * `maxSeconds` is PAYLOAD_TOO_LARGE. Its cost does not grow with the clip's length.
 *
 * @example const { sampleRate, frames } = readWavHeader(bytes, { maxSeconds: 60 });
 */
export function readWavHeader(bytes: Uint8Array, o: { maxSeconds?: number } = {}): WavInfo {
  if (bytes.length < 12 || !isRiffWave(bytes)) throw notWav(bytes);
  const start = wavStart(bytes);
  if ('missing' in start) throw bad(start.missing);
  const { dataOffset, dataBytes, ...format } = start;
  if (dataBytes !== undefined && dataOffset + dataBytes > bytes.length)
    throw bad(`truncated: the data chunk declares ${dataBytes} bytes, the file holds ${bytes.length - dataOffset}`);
  const data = bytes.subarray(dataOffset, dataBytes === undefined ? bytes.length : dataOffset + dataBytes);
  const frames = Math.floor(data.length / frameBytes(format));
  if (frames === 0) throw bad('no samples');
  checkSeconds(frames, format.sampleRate, o.maxSeconds);
  return { ...format, frames, data };
}

/**
 * Sample frames [start, start + count) of a checked WAV's data (or of any PCM bytes in a checked
 * format) as mono samples in [-1, 1] (channels averaged), written to `out` (a new array by default): a
 * long clip can be decoded a block at a time.
 */
export function readMono(
  info: PcmFormat & { data: Uint8Array },
  start: number,
  count: number,
  out = new Float32Array(count),
): Float32Array {
  const { data, channels, bitsPerSample: bits, format } = info;
  const bytesPer = bits / 8;
  const frame = bytesPer * channels;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (at: number): number => {
    if (format === 'float') return bits === 32 ? dv.getFloat32(at, true) : dv.getFloat64(at, true);
    switch (bits) {
      case 8:
        return (dv.getUint8(at) - 128) / 128;
      case 16:
        return dv.getInt16(at, true) / 32768;
      case 24:
        return (dv.getUint8(at) | (dv.getUint8(at + 1) << 8) | (dv.getInt8(at + 2) << 16)) / 8388608;
      default:
        return dv.getInt32(at, true) / 2147483648;
    }
  };
  for (let f = 0; f < count; f++) {
    let sum = 0;
    const at = (start + f) * frame;
    for (let c = 0; c < channels; c++) sum += read(at + c * bytesPer);
    out[f] = sum / channels;
  }
  return out;
}

/**
 * Decodes a whole RIFF/WAVE file to mono (see readWavHeader for what it accepts and refuses).
 *
 * @example const { samples, sampleRate } = decodeWav(bytes, { maxSeconds: 60 });
 */
export function decodeWav(bytes: Uint8Array, o: { maxSeconds?: number } = {}): Pcm {
  const info = readWavHeader(bytes, o);
  return {
    sampleRate: info.sampleRate,
    samples: readMono(info, 0, info.frames),
    channels: info.channels,
    bitsPerSample: info.bitsPerSample,
    format: info.format,
  };
}

/** Writes mono or interleaved samples as a WAV file (16-bit PCM or 32-bit float), for tests and tools. */
export function encodeWav(
  samples: Float32Array,
  sampleRate: number,
  o: { channels?: number; bits?: 8 | 16 | 32; float?: boolean } = {},
): Uint8Array {
  const channels = o.channels ?? 1;
  const bits = o.float ? 32 : (o.bits ?? 16);
  const bytesPer = bits / 8;
  const out = new Uint8Array(44 + samples.length * bytesPer);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    [...s].forEach((ch, i) => {
      out[at + i] = ch.charCodeAt(0);
    });
  };
  ascii(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, o.float ? 3 : 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * bytesPer, true);
  v.setUint16(32, channels * bytesPer, true);
  v.setUint16(34, bits, true);
  ascii(36, 'data');
  v.setUint32(40, samples.length * bytesPer, true);
  samples.forEach((s, i) => {
    const x = Math.max(-1, Math.min(1, s));
    const at = 44 + i * bytesPer;
    if (o.float) v.setFloat32(at, s, true);
    else if (bits === 8) v.setUint8(at, Math.round(x * 127) + 128);
    else if (bits === 16) v.setInt16(at, Math.round(x * 32767), true);
    else v.setInt32(at, Math.round(x * 2147483647), true);
  });
  return out;
}
