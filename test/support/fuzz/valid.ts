import { JSON_TYPE, type FuzzCase, type FuzzContext } from './case.ts';
import { scaleBody } from './gen-v2.ts';
import type { Rng } from './prng.ts';

/** Sentences lande labels with certainty (ISO 639-3), from test/e2e/text.test.ts. */
const SENTENCES: ReadonlyArray<[string, string]> = [
  ['eng', 'The weather is lovely today and we are going for a long walk in the park.'],
  ['fra', "Le temps est magnifique aujourd'hui et nous allons faire une longue promenade dans le parc."],
  ['deu', 'Das Wetter ist heute herrlich und wir machen einen langen Spaziergang im Park.'],
  ['spa', 'Hoy hace un tiempo estupendo y vamos a dar un largo paseo por el parque.'],
  ['rus', 'Сегодня прекрасная погода, и мы идём на долгую прогулку в парк.'],
];

/** The body parsed as the answer's expected shape `T` (asserted, not checked: the caller checks the values). */
const json = <T>(b: Buffer): T => JSON.parse(b.toString('utf8')) as T;
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));

function scaleCheck(x: number[], ids: number[], rows: number) {
  return (status: number, body: Buffer): string | undefined => {
    if (status !== 200) return `status ${status}: ${body.toString('utf8').slice(0, 200)}`;
    const out = Object.fromEntries(
      json<{ outputs: Array<{ name: string; data: number[] }> }>(body).outputs.map((o) => [o.name, o.data]),
    );
    const sums = Array.from({ length: rows }, (_, r) => x.slice(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0));
    if (!x.every((v, i) => close(out.y![i]!, 2 * v)))
      return `y ≠ 2x: ${JSON.stringify(out.y)} for ${JSON.stringify(x)}`;
    if (!sums.every((v, i) => close(out.s![i]!, v))) return `s ≠ Σx: ${JSON.stringify(out.s)}`;
    if (JSON.stringify(out.ids_out) !== JSON.stringify(ids))
      return `ids_out ${JSON.stringify(out.ids_out)} ≠ ${JSON.stringify(ids)}`;
    return undefined;
  };
}

/**
 * A valid request whose answer is known: the tiny `scale` model (JSON and binary), lande on known
 * sentences, the image model on a photo of a cat (Neutral), the VAD on speech and silence.
 */
export function validCase(rng: Rng, ctx: FuzzContext): FuzzCase {
  const kind = rng.pick([
    'scale',
    'scale',
    'scale',
    'scale-binary',
    'scale-binary',
    'text',
    'text',
    'text',
    'image',
    'audio',
  ]);
  const base = { category: `valid.${kind}`, valid: true, method: 'POST' };
  if (kind === 'scale' || kind === 'scale-binary') {
    const rows = 1 + rng.int(3);
    const b = scaleBody(rows, rng);
    const x = b.inputs[0]!.data as number[];
    const ids = b.inputs[1]!.data as number[];
    if (kind === 'scale')
      return {
        ...base,
        label: `scale ${rows} rows`,
        path: '/v2/models/scale/infer',
        headers: JSON_TYPE,
        body: JSON.stringify(b),
        check: scaleCheck(x, ids, rows),
      };
    const tail = Buffer.from(new Float32Array(x).buffer);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ ...b.inputs[0], data: undefined, parameters: { binary_data_size: tail.length } }, b.inputs[1]],
      }),
    );
    return {
      ...base,
      label: `scale binary ${rows} rows`,
      path: '/v2/models/scale/infer',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      body: Buffer.concat([header, tail]),
      check: scaleCheck(x, ids, rows),
    };
  }
  if (kind === 'text') {
    const picked = [rng.pick(SENTENCES), rng.pick(SENTENCES)];
    return {
      ...base,
      label: picked.map((p) => p[0]).join('+'),
      path: '/v1/models/lang-lande:predict',
      headers: JSON_TYPE,
      body: JSON.stringify({ instances: picked.map((p) => p[1]) }),
      check: (status, body) => {
        if (status !== 200) return `status ${status}: ${body.toString('utf8').slice(0, 200)}`;
        const labels = json<{ predictions: Array<{ label: string }> }>(body).predictions.map((p) => p.label);
        return labels.join() === picked.map((p) => p[0]).join()
          ? undefined
          : `labels ${labels} ≠ ${picked.map((p) => p[0])}`;
      },
    };
  }
  if (kind === 'image') {
    return {
      ...base,
      label: 'chelsea.jpg',
      path: '/v1/models/nsfw-mobilenet-v2:predict',
      headers: JSON_TYPE,
      body: JSON.stringify({ instances: [ctx.fixtures.chelsea.toString('base64')] }),
      check: (status, body) => {
        if (status !== 200) return `status ${status}: ${body.toString('utf8').slice(0, 200)}`;
        const [p] = json<{ predictions: [{ label: string; score: number }] }>(body).predictions;
        return p.label === 'Neutral' && p.score > 0.6 ? undefined : `cat photo: ${JSON.stringify(p).slice(0, 200)}`;
      },
    };
  }
  return {
    ...base,
    label: 'speech+silence',
    path: '/v1/models/vad-silero-v5:predict',
    headers: JSON_TYPE,
    body: JSON.stringify({
      instances: [ctx.fixtures.speech.toString('base64'), ctx.fixtures.silence.toString('base64')],
    }),
    check: (status, body) => {
      if (status !== 200) return `status ${status}: ${body.toString('utf8').slice(0, 200)}`;
      const [speech, silence] = json<{ predictions: [{ speech: boolean }, { speech: boolean }] }>(body).predictions;
      return speech.speech === true && silence.speech === false
        ? undefined
        : `speech ${speech.speech}, silence ${silence.speech}`;
    },
  };
}
