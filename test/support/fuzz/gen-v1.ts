import { nested, post, type Generator } from './case.ts';
import { wav } from './media.ts';
import type { Rng } from './prng.ts';

const predict = (model: string) => `/v1/models/${model}:predict`;
const IMAGE = 'nsfw-mobilenet-v2';
const AUDIO = 'vad-silero-v5';
const TEXT = 'lang-lande';

const tone = (n: number) => Int16Array.from({ length: n }, (_, i) => Math.round(4000 * Math.sin(i / 5)));

/** Malformed friendly-API (`/v1/models/{m}:predict`) requests across the text, image and audio models. */
export const V1_GENERATORS: Record<string, Generator> = {
  'v1.bad-json': (rng) => {
    const model = rng.pick([TEXT, IMAGE, AUDIO, 'scale']);
    const [label, body] = rng.pick<[string, string | Buffer]>([
      ['truncated', '{"instances":["hello'],
      ['random bytes', rng.bytes(1 + rng.int(100))],
      ['empty', ''],
      ['null', 'null'],
      ['number', '42'],
      [
        'non-UTF8',
        Buffer.from([
          0x7b, 0x22, 0x69, 0x6e, 0x73, 0x74, 0x61, 0x6e, 0x63, 0x65, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0xff, 0xc0, 0x80,
          0x22, 0x5d, 0x7d,
        ]),
      ],
      ['single quotes', "{'instances':['x']}"],
      ['comments', '{"instances":["x"] /* c */}'],
    ]);
    return post('v1.bad-json', `${model} ${label}`, predict(model), body);
  },
  'v1.wrong-types': (rng) => {
    const model = rng.pick([TEXT, IMAGE, AUDIO, 'scale', 'dyn']);
    const [label, body] = rng.pick<[string, unknown]>([
      ['instances missing', {}],
      ['instances empty', { instances: [] }],
      ['instances object', { instances: { a: 1 } }],
      ['instances string', { instances: 'x' }],
      ['instances null', { instances: null }],
      ['instance null', { instances: [null] }],
      ['instance number', { instances: [42] }],
      ['instance bool', { instances: [true] }],
      ['instance nested arrays', { instances: [[[1]]] }],
      ['instance wrong object', { instances: [{ b64: 5 }] }],
      ['parameters array', { instances: ['x'], parameters: [1] }],
      ['parameters string', { instances: ['x'], parameters: 'top_k=1' }],
      ['top_k negative', { instances: ['x'], parameters: { top_k: -1 } }],
      ['top_k huge', { instances: ['x'], parameters: { top_k: 1e12 } }],
      ['timeout_ms string', { instances: ['x'], parameters: { timeout_ms: 'soon' } }],
      ['__proto__ parameter', '{"instances":["x"],"parameters":{"__proto__":{"polluted":1}}}'],
    ]);
    return post('v1.wrong-types', `${model} ${label}`, predict(model), body);
  },
  'v1.deep-nesting': (rng) => {
    const model = rng.pick([TEXT, IMAGE, 'scale']);
    const depth = rng.pick([500, 2000, 10000, 100000]);
    const where = rng.pick(['instances', 'parameters', 'instance object']);
    const text =
      where === 'instances'
        ? `{"instances":[${nested(depth, '"x"')}]}`
        : where === 'parameters'
          ? `{"instances":["hello world"],"parameters":{"p":${nested(depth)}}}`
          : `{"instances":[${nested(depth, '"x"', 'object')}]}`;
    return post('v1.deep-nesting', `${model} ${where} ${depth}`, predict(model), text);
  },
  // Far above any sensible per-request cap (issue 11, defect 5: 1,024 tiny PNGs took ≈ 100 s and 4 GB).
  'v1.many-instances.image': (rng, ctx) => {
    const n = rng.pick([5000, 20000]);
    return post('v1.many-instances.image', `image ${n} 1×1 PNGs`, predict(IMAGE), {
      instances: Array(n).fill(ctx.media.dot.toString('base64')),
    });
  },
  'v1.many-instances': (rng) => {
    const kind = rng.pick(['text', 'numbers', 'scale rows']);
    const n = rng.pick([5000, 20000]);
    if (kind === 'text')
      return post('v1.many-instances', `text ${n}`, predict(TEXT), { instances: Array(n).fill('ab') });
    if (kind === 'numbers')
      return post('v1.many-instances', `numbers ${n}`, predict(TEXT), { instances: Array(n).fill(1) });
    return post('v1.many-instances', `scale ${n} rows`, predict('scale'), { instances: Array(n).fill([1, 2, 3, 4]) });
  },
  'v1.image.corrupt': (rng, ctx) => {
    const m = ctx.media;
    const [label, bytes] = rng.pick<[string, Buffer]>([
      ['truncated PNG', m.png.subarray(0, 8 + rng.int(m.png.length - 8))],
      ['truncated JPEG', m.jpeg.subarray(0, 2 + rng.int(m.jpeg.length - 2))],
      ['random bytes', rng.bytes(1 + rng.int(4096))],
      ['bomb PNG 20000×20000', m.bomb],
      ['lying IHDR 60000×60000', m.liar],
      ['PNG magic only', m.png.subarray(0, 8)],
      ['JPEG magic only', Buffer.from([0xff, 0xd8, 0xff])],
      ['flipped bytes', Buffer.from(m.png).map((b, i) => (i > 40 && i % 7 === 0 ? b ^ 0xff : b)) as Buffer],
      ['WAV as image', m.wav],
      ['empty', Buffer.alloc(0)],
    ]);
    const form = rng.pick(['string', 'b64', 'url', 'bad base64']);
    const data = form === 'bad base64' ? `${bytes.toString('base64')}@@@` : bytes.toString('base64');
    return post('v1.image.corrupt', `${label} as ${form}`, predict(IMAGE), {
      instances: [
        form === 'b64'
          ? { b64: data }
          : form === 'url'
            ? { url: rng.pick(['http://169.254.169.254/', 'file:///etc/passwd', data]) }
            : data,
      ],
    });
  },
  'v1.audio.corrupt': (rng, ctx) => {
    const base = { rate: 16000, channels: 1, bits: 16, samples: tone(1600) };
    const [label, bytes] = rng.pick<[string, Buffer]>([
      ['bad RIFF magic', Buffer.concat([Buffer.from('RIFX'), ctx.media.wav.subarray(4)])],
      ['0 sample rate', wav({ ...base, rate: 0 })],
      ['0 channels', wav({ ...base, channels: 0 })],
      ['65535 channels', wav({ ...base, channels: 65535 })],
      ['7 bits', wav({ ...base, bits: 7 })],
      ['0 bits', wav({ ...base, bits: 0 })],
      ['data size lies (4 GB)', wav({ ...base, dataSize: 0xffffffff })],
      ['data size lies (odd)', wav({ ...base, dataSize: 3 })],
      ['RIFF size lies', wav({ ...base, riffSize: 0xffffffff })],
      ['format 3 with 16 bits', wav({ ...base, format: 3 })],
      ['format 0x55 (MP3)', wav({ ...base, format: 0x55 })],
      ['blockAlign 0', wav({ ...base, blockAlign: 0 })],
      ['rate 4 GHz', wav({ ...base, rate: 0xffffffff })],
      ['header only', ctx.media.wav.subarray(0, 44)],
      ['truncated header', ctx.media.wav.subarray(0, 20)],
      ['random bytes', rng.bytes(1 + rng.int(2048))],
      ['1 Hz, long', wav({ ...base, rate: 1 })],
    ]);
    const form = rng.pick(['string', 'b64']);
    return post('v1.audio.corrupt', `${label} as ${form}`, predict(AUDIO), {
      instances: [form === 'b64' ? { b64: bytes.toString('base64') } : bytes.toString('base64')],
    });
  },
  'v1.text.odd': (rng) => {
    const [label, body] = rng.pick<[string, string | Buffer]>([
      [
        'non-UTF8 bytes in string',
        Buffer.concat([
          Buffer.from('{"instances":["'),
          Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff]),
          Buffer.from('"]}'),
        ]),
      ],
      ['lone surrogate', '{"instances":["\\ud800 abc"]}'],
      ['NUL', '{"instances":["a\\u0000b"]}'],
      ['empty', '{"instances":[""]}'],
      ['whitespace', '{"instances":["\\t\\n "]}'],
      ['300 KB text', JSON.stringify({ instances: ['word '.repeat(60000)] })],
      ['text object', '{"instances":[{"text":["a"]}]}'],
      ['RTL override', '{"instances":["\\u202eabc"]}'],
      ['emoji only', JSON.stringify({ instances: ['💥'.repeat(1000)] })],
    ]);
    return post('v1.text.odd', label, predict(TEXT), body);
  },
  'v1.spec': (rng: Rng) => {
    const spec = rng.pick([
      'x:predict:predict',
      ':predict',
      'lang-lande@-1:predict',
      'lang-lande@:predict',
      '@1:predict',
      'lang-lande:explain',
      'lang-lande@1.5:predict',
      'lang-lande@99999999999999999999:predict',
      'lang-lande@__proto__:predict',
      '%2E%2E:predict',
      'lang-lande%3Apredict',
      'lang-lande@1@1:predict',
      `${encodeURIComponent('é'.repeat(2000))}:predict`,
    ]);
    return post('v1.spec', spec.slice(0, 60), `/v1/models/${spec}`, { instances: ['hello'] });
  },
};
