import { JSON_TYPE, nested, post, type FuzzCase, type Generator } from './case.ts';
import type { Rng } from './prng.ts';

const INFER = '/v2/models/scale/infer';

/** A valid `scale` request body (the object), `rows` rows. */
export function scaleBody(rows: number, rng: Rng): { inputs: Array<Record<string, unknown>> } {
  return {
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [rows, 4], data: Array.from({ length: rows * 4 }, () => rng.int(64) / 4) },
      { name: 'ids', datatype: 'INT64', shape: [rows, 2], data: Array.from({ length: rows * 2 }, () => rng.int(1000)) },
    ],
  };
}

/** Header-length values that are not a non-negative integer fitting the body (defect 1 and friends). */
const HEADER_LENGTHS = [
  '0.5',
  '10.5',
  '-1',
  '-1.5',
  '1e400',
  'Infinity',
  '-Infinity',
  'NaN',
  '',
  ' 7',
  '0x10',
  '1e3',
  '99999999999',
  '-0',
  '0',
  '4294967296',
  '12abc',
  '1 2',
];

function binary(rng: Rng, json: Record<string, unknown>, tail: Buffer, ihcl?: string): FuzzCase {
  const header = Buffer.from(JSON.stringify(json));
  const model = rng.pick(['scale', 'lang-lande', 'dyn']);
  return {
    category: 'v2.binary',
    label: '',
    method: 'POST',
    path: `/v2/models/${model}/infer`,
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': ihcl ?? String(header.length),
    },
    body: Buffer.concat([header, tail]),
  };
}

/**
 * A valid body about to be broken: the generators below give any field any value (an object for `inputs`,
 * a number for a name, `null` for an input), which is the point, so it is typed loosely.
 */
// biome-ignore lint/suspicious/noExplicitAny: a fuzz body is given deliberately wrong-typed values in any field
type Breakable = Record<string, any>;

const bad = (category: string, label: string, body: unknown, path = INFER): FuzzCase =>
  post(category, label, path, body);

/** Malformed Open Inference Protocol requests, JSON and binary. */
export const V2_GENERATORS: Record<string, Generator> = {
  'v2.bad-json': (rng) => {
    const text = JSON.stringify(scaleBody(2, rng));
    const forms: Array<[string, string | Buffer]> = [
      ['truncated', text.slice(0, rng.int(text.length))],
      ['random bytes', rng.bytes(1 + rng.int(200))],
      ['empty', ''],
      ['null', 'null'],
      ['array', '[]'],
      ['string', '"x"'],
      ['number', '1e400'],
      ['non-UTF8', Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0xc3, 0x28, 0x7d])],
      ['trailing garbage', `${text}xyz`],
      ['BOM', `\ufeff${text}`],
      ['NaN literal', text.replace(/\d+(\.\d+)?/, 'NaN')],
      ['duplicate keys', text.replace('{', '{"inputs":1,')],
    ];
    const [label, body] = rng.pick(forms);
    return {
      ...bad(
        'v2.bad-json',
        label,
        body,
        `/v2/models/${rng.pick(['scale', 'lang-lande', 'dyn', 'vad-silero-v5'])}/infer`,
      ),
    };
  },
  'v2.wrong-types': (rng) => {
    const b = scaleBody(1, rng) as Breakable;
    const mutations: Array<[string, () => void]> = [
      ['inputs object', () => (b.inputs = { x: 1 })],
      ['inputs empty', () => (b.inputs = [])],
      ['name number', () => (b.inputs[0].name = 7)],
      ['shape strings', () => (b.inputs[0].shape = ['1', '4'])],
      ['shape object', () => (b.inputs[0].shape = { 0: 1 })],
      ['datatype lower', () => (b.inputs[0].datatype = 'fp32')],
      ['datatype bogus', () => (b.inputs[0].datatype = 'FP128')],
      ['data object', () => (b.inputs[0].data = { a: 1 })],
      ['data string', () => (b.inputs[0].data = '1,2,3,4')],
      ['parameters array', () => (b.parameters = [1, 2])],
      ['id number', () => (b.id = 5)],
      ['outputs string', () => (b.outputs = 'y')],
      ['outputs bad entry', () => (b.outputs = [{ name: 3 }])],
      ['input null', () => (b.inputs[0] = null)],
      ['data nulls', () => (b.inputs[0].data = [null, null, null, null])],
      ['data strings', () => (b.inputs[0].data = ['a', 'b', 'c', 'd'])],
      ['data booleans', () => (b.inputs[0].data = [true, false, true, false])],
      ['ids floats', () => (b.inputs[1].data = [0.5, 1.5])],
      ['ids beyond int64', () => (b.inputs[1].data = [1e30, -1e30])],
      ['ids huge strings', () => (b.inputs[1].data = ['9223372036854775808', '-9223372036854775809'])],
      ['__proto__ input', () => (b.inputs[0].name = '__proto__')],
      ['duplicate input', () => b.inputs.push(b.inputs[0])],
      ['unknown input', () => (b.inputs[0].name = 'zzz')],
    ];
    const [label, mutate] = rng.pick(mutations);
    mutate();
    return bad('v2.wrong-types', label, b);
  },
  'v2.datatype': (rng) => {
    const b = scaleBody(1, rng) as Breakable;
    const dt = rng.pick([
      'INT8',
      'UINT8',
      'INT16',
      'INT32',
      'INT64',
      'UINT64',
      'FP16',
      'FP64',
      'BOOL',
      'BYTES',
      'BF16',
    ]);
    b.inputs[rng.int(2)].datatype = dt;
    if (rng.chance(0.3))
      return bad(
        'v2.datatype',
        `lande ${dt}`,
        { inputs: [{ name: 'text', datatype: dt, shape: [1], data: [1] }] },
        '/v2/models/lang-lande/infer',
      );
    return bad('v2.datatype', dt, b);
  },
  'v2.shape': (rng) => {
    const shapes: Array<[number | string, number | string] | Array<number | string>> = [
      [0, 4294967296],
      [4294967296, 4294967296],
      [2 ** 53, 4],
      [2 ** 31, 2 ** 31],
      [-1, 4],
      [1.5, 4],
      [1e308, 4],
      [0, 0],
      [],
      [1, 4, 1],
      Array(1000).fill(1),
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      [65536, 65536],
      [0, 1e20],
      ['1e400', 4],
    ];
    const shape = rng.pick(shapes);
    if (rng.chance(0.5))
      return {
        ...bad(
          'v2.shape',
          `dyn [${String(shape).slice(0, 40)}] data []`,
          `{"inputs":[{"name":"x","datatype":"FP32","shape":${JSON.stringify(shape).replace('"1e400"', '1e400')},"data":[]}]}`,
          '/v2/models/dyn/infer',
        ),
      };
    const b = scaleBody(1, rng) as Breakable;
    b.inputs[rng.int(2)].shape = shape;
    return bad('v2.shape', `scale [${String(shape).slice(0, 40)}]`, b);
  },
  'v2.data-mismatch': (rng) => {
    const b = scaleBody(2, rng) as Breakable;
    const forms: Array<[string, () => void]> = [
      ['too few', () => b.inputs[0].data.pop()],
      ['too many', () => b.inputs[0].data.push(1)],
      [
        'nested wrong',
        () =>
          (b.inputs[0].data = [
            [1, 2],
            [3, 4, 5, 6, 7, 8],
          ]),
      ],
      [
        'rows disagree',
        () => (b.inputs[1] = { name: 'ids', datatype: 'INT64', shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }),
      ],
      ['no data', () => delete b.inputs[0].data],
      ['huge count', () => (b.inputs[0].data = Array(100000).fill(0))],
      ['1e400', () => (b.inputs[0].data[0] = 'INF')],
    ];
    const [label, mutate] = rng.pick(forms);
    mutate();
    const text = label === '1e400' ? JSON.stringify(b).replace('"INF"', '1e400') : JSON.stringify(b);
    return bad('v2.data-mismatch', label, text);
  },
  'v2.deep-nesting': (rng) => {
    const depth = rng.pick([500, 2000, 10000, 100000]);
    const model = rng.pick(['scale', 'lang-lande']);
    const where = rng.pick(['parameters', 'data', 'parameters-object', 'id']);
    const input =
      model === 'scale'
        ? '{"name":"x","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]},{"name":"ids","datatype":"INT64","shape":[1,2],"data":[1,2]}'
        : '{"name":"text","datatype":"BYTES","shape":[1],"data":["hello world"]}';
    const text =
      where === 'data'
        ? `{"inputs":[{"name":"${model === 'scale' ? 'x' : 'text'}","datatype":"${model === 'scale' ? 'FP32' : 'BYTES'}","shape":[1,4],"data":${nested(depth)}}]}`
        : where === 'id'
          ? `{"id":${nested(depth)},"inputs":[${input}]}`
          : `{"parameters":{"deep":${nested(depth, '1', where === 'parameters' ? 'array' : 'object')}},"inputs":[${input}]}`;
    return bad('v2.deep-nesting', `${model} ${where} ${depth}`, text, `/v2/models/${model}/infer`);
  },
  'v2.parameters': (rng) => {
    const b = scaleBody(1, rng) as Breakable;
    const p = rng.pick<[string, unknown]>([
      ['timeout', -1],
      ['timeout', 'soon'],
      ['timeout_ms', 0],
      ['timeout_ms', 1e308],
      ['timeout_ms', 1e-9],
      ['priority', 0],
      ['priority', 1.5],
      ['priority', 1e100],
      ['binary_data_output', 'yes'],
      ['cache', 'no'],
      ['classification', -1],
      ['__proto__', { polluted: true }],
      ['constructor', { prototype: 1 }],
    ]);
    b.parameters = { [p[0]]: p[1] };
    if (rng.chance(0.3)) b.outputs = [{ name: 'y', parameters: { classification: rng.pick([-1, 0, 1e9, 'x', 2.5]) } }];
    const c = bad(
      'v2.parameters',
      `${p[0]}=${JSON.stringify(p[1])}${b.outputs ? ' +classification' : ''}`,
      JSON.stringify(b),
    );
    // A deadline the client set itself may pass: 504 is then the right answer.
    return p[0].startsWith('timeout') ? { ...c, allow5xx: [504] } : c;
  },
  'v2.binary.header-length': (rng) => {
    const ihcl = rng.pick(HEADER_LENGTHS);
    const c = binary(rng, scaleBody(1, rng), Buffer.alloc(0), ihcl);
    return {
      ...c,
      category: 'v2.binary.header-length',
      label: `IHCL=${JSON.stringify(ihcl)}`,
      body: rng.chance(0.5) ? c.body : Buffer.from('x'),
    };
  },
  'v2.binary.truncated': (rng) => {
    const rows = 1 + rng.int(4);
    const x = Buffer.from(new Float32Array(rows * 4).fill(1).buffer);
    const forms: Array<[string, Record<string, unknown>, Buffer]> = [
      [
        'tail cut',
        {
          inputs: [
            { name: 'x', datatype: 'FP32', shape: [rows, 4], parameters: { binary_data_size: x.length } },
            { name: 'ids', datatype: 'INT64', shape: [rows, 2], data: Array(rows * 2).fill(1) },
          ],
        },
        x.subarray(0, rng.int(x.length)),
      ],
      [
        'size not whole elements',
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], parameters: { binary_data_size: x.length - 1 } }] },
        x.subarray(1),
      ],
      [
        'size negative',
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], parameters: { binary_data_size: -4 } }] },
        x,
      ],
      [
        'size fractional',
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], parameters: { binary_data_size: 1.5 } }] },
        x,
      ],
      [
        'size huge',
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], parameters: { binary_data_size: 1e300 } }] },
        x,
      ],
      [
        'size string',
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], parameters: { binary_data_size: '16' } }] },
        x,
      ],
      [
        'data and binary',
        {
          inputs: [
            {
              name: 'x',
              datatype: 'FP32',
              shape: [rows, 4],
              data: Array(rows * 4).fill(1),
              parameters: { binary_data_size: x.length },
            },
          ],
        },
        x,
      ],
      [
        'extra tail',
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 4], parameters: { binary_data_size: x.length } }] },
        Buffer.concat([x, rng.bytes(7)]),
      ],
      [
        'BYTES length lies',
        { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 8 } }] },
        Buffer.from([0xff, 0xff, 0xff, 0x7f, 0x61, 0x62, 0x63, 0x64]),
      ],
      [
        'BYTES truncated length',
        { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 3 } }] },
        Buffer.from([5, 0, 0]),
      ],
      [
        'BYTES count lies',
        { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1000000], parameters: { binary_data_size: 5 } }] },
        Buffer.from([1, 0, 0, 0, 0x61]),
      ],
      [
        'dyn zero-size huge dim',
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [0, 4294967296], parameters: { binary_data_size: 0 } }] },
        Buffer.alloc(0),
      ],
    ];
    const [label, json, tail] = rng.pick(forms);
    const c = binary(rng, json, tail);
    return { ...c, category: 'v2.binary.truncated', label };
  },
  'v2.plugin-bytes': (rng, ctx) => {
    const m = rng.pick([
      ['nsfw-mobilenet-v2', 'image'],
      ['vad-silero-v5', 'audio'],
      ['lang-lande', 'text'],
    ] as const);
    const payload = rng.pick<[string, string]>([
      ['random base64', rng.bytes(64).toString('base64')],
      ['truncated PNG', ctx.media.png.subarray(0, 100).toString('base64')],
      ['bomb PNG', ctx.media.bomb.toString('base64')],
      ['bad base64', '!!!not base64***'],
      ['empty', ''],
      ['lone surrogate', '\ud800'],
      ['truncated WAV', ctx.media.wav.subarray(0, 30).toString('base64')],
    ]);
    return bad(
      'v2.plugin-bytes',
      `${m[0]} ${payload[0]}`,
      { inputs: [{ name: m[1], datatype: 'BYTES', shape: [1], data: [payload[1]] }] },
      `/v2/models/${m[0]}/infer`,
    );
  },
};

export { JSON_TYPE };
