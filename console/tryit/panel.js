// @ts-check
import { api, ApiError, seg } from '../api.js';
import { startRecording } from '../audio/record.js';
import { decodeMono } from '../audio/wav.js';
import { h } from '../dom.js';
import { num } from '../format.js';
import { renderPrediction } from './render.js';

/**
 * @typedef {import('./render.js').Shown} Shown
 * @typedef {{ name: string, versions: string[], modality: string | undefined, example: unknown,
 *   inputs: Array<{ name: string, datatype: string, shape: number[] }> }} Target
 */

/**
 * The result area: the answer with its model, version and time, or the gateway's refusal in its own words.
 *
 * @param {HTMLElement} out
 * @param {string} what
 * @param {() => Promise<{ answer: any, shown?: Shown }>} work
 */
async function show(out, what, work) {
  out.replaceChildren(h('p', { class: 'hint' }, `${what}…`));
  out.setAttribute('aria-busy', 'true');
  const t0 = performance.now();
  try {
    const { answer, shown } = await work();
    const ms = performance.now() - t0;
    const by = h(
      'p',
      { class: 'served' },
      `${answer.model_name ?? ''} v${answer.model_version ?? '?'}${answer.variant ? ` (variant ${answer.variant})` : ''} answered in ${num(ms, 0)} ms`,
    );
    const predictions = Array.isArray(answer.predictions) ? answer.predictions : undefined;
    out.replaceChildren(
      by,
      ...(predictions
        ? predictions.map((/** @type {any} */ p) => renderPrediction(p, shown))
        : [h('pre', { class: 'outputs' }, JSON.stringify(answer.outputs ?? answer, null, 2))]),
    );
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError(0, 'INTERNAL', String(e));
    out.replaceChildren(
      h(
        'p',
        { class: 'notice error', role: 'alert', 'data-code': err.code },
        h('strong', {}, 'Refused: '),
        err.message,
        ` (${err.code}${err.status ? `, HTTP ${err.status}` : ''})`,
      ),
    );
  } finally {
    out.removeAttribute('aria-busy');
  }
}

/** @param {Target} t @param {HTMLSelectElement | null} pick */
const specOf = (t, pick) => (pick?.value ? `${t.name}@${pick.value}` : t.name);

/**
 * Sends files as a multipart upload (each file one instance) to the friendly API.
 *
 * @param {string} spec `name` or `name@version`
 * @param {Blob} file
 * @param {string} field
 * @param {string} filename
 */
const upload = (spec, file, field, filename) => {
  const form = new FormData();
  form.append(field, file, filename);
  return api('POST', `/v1/models/${seg(spec)}:predict`, form);
};

/**
 * A file chooser that also takes a dropped file: a label around the input, so the keyboard reaches it as an input.
 *
 * @param {string} text
 * @param {string} accept
 * @param {(file: File) => void} chosen
 */
function dropZone(text, accept, chosen) {
  const input = h('input', { type: 'file', accept, class: 'file' });
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) chosen(f);
  });
  const zone = h('label', { class: 'drop' }, h('span', {}, text), input);
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) chosen(f);
  });
  return zone;
}

/** @param {Target} t @param {HTMLSelectElement | null} pick @param {HTMLElement} out */
function imagePanel(t, pick, out) {
  return dropZone('Choose or drop an image (JPEG, PNG…)', 'image/*', (file) =>
    show(out, `Sending ${file.name}`, async () => {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.src = url;
      await img.decode().catch(() => undefined);
      const answer = await upload(specOf(t, pick), file, 'image', file.name);
      return { answer, shown: { image: { url, width: img.naturalWidth || 1, height: img.naturalHeight || 1 } } };
    }),
  );
}

/** @param {Target} t @param {HTMLSelectElement | null} pick @param {HTMLElement} out */
function audioPanel(t, pick, out) {
  const send = (/** @type {Blob} */ wav, /** @type {string} */ name, /** @type {Shown['audio']} */ audio) =>
    show(out, `Sending ${name}`, async () => ({
      answer: await upload(specOf(t, pick), wav, 'audio', name),
      ...(audio ? { shown: { audio } } : {}),
    }));
  const zone = dropZone('Choose or drop a WAV file', 'audio/wav,audio/x-wav,.wav,audio/*', async (file) => {
    send(file, file.name, await decodeMono(await file.arrayBuffer()));
  });
  /** @type {{ stop(): Promise<{ wav: Blob, samples: Float32Array, rate: number }> } | undefined} */
  let recording;
  const record = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Record from the microphone');
  record.addEventListener('click', async () => {
    try {
      if (!recording) {
        recording = await startRecording();
        record.textContent = 'Stop and send';
        record.setAttribute('aria-pressed', 'true');
        return;
      }
      const r = recording;
      recording = undefined;
      record.textContent = 'Record from the microphone';
      record.setAttribute('aria-pressed', 'false');
      const { wav, samples, rate } = await r.stop();
      send(wav, 'recording.wav', { samples, rate });
    } catch (e) {
      recording = undefined;
      out.replaceChildren(
        h('p', { class: 'notice error', role: 'alert' }, `Microphone: ${e instanceof Error ? e.message : e}`),
      );
    }
  });
  return h('div', { class: 'row' }, zone, record);
}

/** @param {Target} t @param {HTMLSelectElement | null} pick @param {HTMLElement} out */
function textPanel(t, pick, out) {
  const example = typeof t.example === 'string' ? t.example : '';
  const area = h('textarea', { id: `text-${t.name}`, rows: 4, class: 'text-in' }, example);
  const send = () =>
    show(out, 'Sending the text', async () => ({
      answer: await api('POST', `/v1/models/${seg(specOf(t, pick))}:predict`, { instances: [area.value] }),
    }));
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send();
  });
  return h(
    'div',
    { class: 'stack' },
    h('label', { for: `text-${t.name}` }, 'Text (Ctrl+Enter sends)'),
    area,
    h('button', { type: 'button', class: 'primary', onclick: send }, 'Predict'),
  );
}

/** A v2 request with zeros shaped like the inputs (a dynamic dimension as 1). @param {Target} t */
function tensorExample(t) {
  const zero = (/** @type {string} */ dt) => (dt === 'BYTES' ? '' : dt === 'BOOL' ? false : 0);
  return {
    inputs: t.inputs.map((i) => {
      const shape = i.shape.map((d) => (d < 0 ? 1 : d));
      return {
        name: i.name,
        datatype: i.datatype,
        shape,
        data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => zero(i.datatype)),
      };
    }),
  };
}

/** @param {Target} t @param {HTMLSelectElement | null} pick @param {HTMLElement} out */
function tensorPanel(t, pick, out) {
  const area = h(
    'textarea',
    { id: `tensor-${t.name}`, rows: 8, class: 'code', spellcheck: 'false' },
    JSON.stringify(tensorExample(t), null, 1),
  );
  const send = () =>
    show(out, 'Sending the tensors', async () => {
      let body;
      try {
        body = JSON.parse(area.value);
      } catch (e) {
        throw new ApiError(0, 'INVALID_JSON', `the request is not JSON: ${e instanceof Error ? e.message : e}`);
      }
      const path = pick?.value
        ? `/v2/models/${seg(t.name)}/versions/${seg(pick.value)}/infer`
        : `/v2/models/${seg(t.name)}/infer`;
      return { answer: await api('POST', path, body) };
    });
  return h(
    'div',
    { class: 'stack' },
    h('label', { for: `tensor-${t.name}` }, 'Inference request (Open Inference Protocol v2 JSON)'),
    area,
    h('button', { type: 'button', class: 'primary', onclick: send }, 'Infer'),
  );
}

/**
 * The try-it panel of a model, fitted to its modality: an image to upload or drop (top labels, OCR boxes), a WAV to
 * upload or a recording (speech segments on the waveform), a text, or a tensor request in JSON for models without a
 * plugin. It calls the model's own API (`POST /v1/models/{m}:predict`, `POST /v2/models/{m}/infer`).
 *
 * @example root.append(tryIt({ name: 'lang-fasttext', versions: ['1'], modality: 'text', example: 'Bonjour', inputs }))
 * @param {Target} t
 */
export function tryIt(t) {
  const out = h('div', { class: 'result', 'aria-live': 'polite' });
  const pick =
    t.versions.length > 1
      ? h(
          'select',
          { id: `version-${t.name}` },
          h('option', { value: '' }, 'default version'),
          t.versions.map((v) => h('option', { value: v }, `version ${v}`)),
        )
      : null;
  const panel =
    t.modality === 'image'
      ? imagePanel(t, pick, out)
      : t.modality === 'audio'
        ? audioPanel(t, pick, out)
        : t.modality === 'text'
          ? textPanel(t, pick, out)
          : tensorPanel(t, pick, out);
  return h(
    'section',
    { class: 'card tryit', 'aria-labelledby': `tryit-${t.name}` },
    h('h2', { id: `tryit-${t.name}` }, 'Try it'),
    pick ? h('p', {}, h('label', { for: `version-${t.name}` }, 'Version '), pick) : null,
    panel,
    out,
  );
}
