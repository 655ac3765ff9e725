import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { decodeWav } from '../../plugins/audio/wav.ts';
import { resample } from '../../plugins/audio/resample.ts';

/** A long 16-bit mono WAV made block by block as it is sent, never whole. */
export interface Recording {
  /** The whole file's size in bytes (header included). */
  bytes: number;
  /** Its speech, as [start, end) in seconds. */
  speech: Array<[number, number]>;
  /** The file from its first byte, `block` bytes at a time (the last shorter). */
  parts(block?: number): Generator<Uint8Array>;
}

const SPEECH = decodeWav(readFileSync(new URL('../fixtures/audio/speech.wav', import.meta.url)));

/**
 * A recording of `seconds` at `rate` Hz: faint noise, with the espeak speech fixture (3.5 s) starting at
 * each of `speechAt`, as a 16-bit mono WAV whose header declares its length (or, with `declared: false`,
 * the 0xFFFFFFFF of a streaming writer). Its samples are computed as each part is asked for, so an
 * hour-long one costs a block of memory.
 *
 * @example for (const part of recording({ seconds: 3600, rate: 16_000, speechAt: [10, 600] }).parts()) send(part);
 */
export function recording(o: {
  seconds: number;
  rate: number;
  speechAt: readonly number[];
  declared?: boolean;
}): Recording {
  const speech = resample(SPEECH.samples, SPEECH.sampleRate, o.rate);
  const samples = Math.round(o.seconds * o.rate);
  const starts = o.speechAt.map((s) => Math.round(s * o.rate));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(o.declared === false ? 0xffffffff : 36 + samples * 2, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(o.rate, 24);
  header.writeUInt32LE(o.rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(o.declared === false ? 0xffffffff : samples * 2, 40);
  // Faint noise: a 7-second table, repeated (cheap to make an hour of).
  const noise = Float32Array.from(
    { length: 7 * o.rate },
    (_, i) => 0.002 * Math.sin(i * 0.37) + 0.001 * Math.sin(i * 1.91),
  );
  /** Samples [from, from + n) as 16-bit PCM: noise plus the speech that covers them. */
  const pcm = (from: number, n: number) => {
    const x = new Float32Array(n);
    for (let k = 0; k < n; k++) x[k] = noise[(from + k) % noise.length]!;
    for (const s of starts) {
      const lo = Math.max(from, s);
      const hi = Math.min(from + n, s + speech.length);
      for (let i = lo; i < hi; i++) x[i - from]! += speech[i - s]!;
    }
    const out = Buffer.alloc(n * 2);
    for (let k = 0; k < n; k++) out.writeInt16LE(Math.round(Math.max(-1, Math.min(1, x[k]!)) * 32767), k * 2);
    return out;
  };
  return {
    bytes: 44 + samples * 2,
    speech: o.speechAt.map((s) => [s, s + speech.length / o.rate]),
    *parts(block = 1 << 16) {
      let first = true;
      for (let i = 0; i < samples; ) {
        const n = Math.min(samples - i, Math.floor((block - (first ? 44 : 0)) / 2));
        const part = pcm(i, n);
        i += n;
        yield first ? Buffer.concat([header, part]) : part;
        first = false;
      }
    },
  };
}

/** What came back for a streamed request: the status, the headers, and the body as it arrived. */
export interface StreamedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body's newline-delimited JSON values, for an NDJSON answer. */
  lines(): unknown[];
}

/**
 * POSTs `parts` as a chunked body (no Content-Length unless given in `headers`), writing the next part
 * only once the previous one has been taken (the server's pace), and stopping as soon as a refusal
 * (not 2xx) or a whole answer comes. `onLine` sees each line of the answer as it arrives; `before(i)`, awaited before part i is
 * written, lets a test hold the body back until something has been answered.
 */
export function postStream(
  url: string,
  parts: Iterable<Uint8Array>,
  headers: Record<string, string>,
  o: { onLine?: (line: string) => void; before?: (part: number) => Promise<void> | undefined } = {},
): Promise<StreamedAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let refused = false;
    const req = request(url, { method: 'POST', headers }, (res) => {
      answered = true;
      refused = (res.statusCode ?? 0) >= 300; // a streamed answer (200) may begin before the body is all sent
      let text = '';
      let partial = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        partial += d;
        for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
          o.onLine?.(partial.slice(0, nl));
          partial = partial.slice(nl + 1);
        }
      });
      res.on('end', () => {
        refused = true;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          lines: () =>
            text
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as unknown),
        });
      });
      res.on('error', reject);
    });
    req.on('error', (e) => {
      if (!answered) reject(e); // after an early answer the server may stop reading: not the test's concern
    });
    void (async () => {
      let i = 0;
      for (const part of parts) {
        if (refused) break;
        await o.before?.(i++);
        if (refused) break;
        if (!req.write(part))
          await new Promise<void>((resolve) => {
            const go = () => {
              req.off('drain', go);
              req.off('close', go);
              resolve();
            };
            req.on('drain', go);
            req.on('close', go);
          });
      }
      req.end();
    })().catch(reject);
  });
}
