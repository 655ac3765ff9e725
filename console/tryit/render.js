// @ts-check
import { h, svg } from '../dom.js';
import { num, pct } from '../format.js';

/**
 * What the prediction is shown over: the image sent (its URL and size) or the audio sent (its samples).
 *
 * @typedef {{ image?: { url: string, width: number, height: number }, audio?: { samples: Float32Array, rate: number } }} Shown
 * @typedef {{ label: string, score: number }} Scored
 */

/**
 * Top labels as bars, longest first.
 *
 * @param {Scored[]} scored
 */
function bars(scored) {
  return h(
    'ol',
    { class: 'bars', 'data-top-label': scored[0]?.label ?? '' },
    scored.map((s) =>
      h(
        'li',
        {},
        h('span', { class: 'label' }, s.label),
        (() => {
          const meter = h('span', { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 1 });
          meter.setAttribute('aria-valuenow', String(s.score));
          meter.setAttribute('aria-label', `${s.label}: ${pct(s.score, 1)}`);
          const fill = h('span', { class: 'fill' });
          fill.style.width = `${Math.max(0, Math.min(1, s.score)) * 100}%`;
          meter.append(fill);
          return meter;
        })(),
        h('span', { class: 'score' }, pct(s.score, 1)),
      ),
    ),
  );
}

/**
 * Speech segments drawn over the waveform of the audio sent (min/max per column), with a list for screen readers.
 *
 * @param {Array<{ start_s: number, end_s: number }>} segments
 * @param {{ samples: Float32Array, rate: number } | undefined} audio
 * @param {number | undefined} duration
 */
function waveform(segments, audio, duration) {
  const W = 600;
  const H = 120;
  const seconds = audio ? audio.samples.length / audio.rate : (duration ?? segments.at(-1)?.end_s ?? 1);
  const x = (/** @type {number} */ s) => (s / Math.max(seconds, 1e-6)) * W;
  let d = '';
  if (audio) {
    const per = Math.max(1, Math.floor(audio.samples.length / W));
    for (let col = 0; col < W && col * per < audio.samples.length; col++) {
      let lo = 0;
      let hi = 0;
      for (let i = col * per; i < Math.min((col + 1) * per, audio.samples.length); i++) {
        const v = /** @type {number} */ (audio.samples[i]);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      d += `M${col} ${(H / 2 - hi * (H / 2)).toFixed(1)}V${(H / 2 - lo * (H / 2) + 0.5).toFixed(1)}`;
    }
  }
  const picture = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'waveform', role: 'img' },
    segments.map((s) =>
      svg('rect', { class: 'segment', x: x(s.start_s), y: 0, width: x(s.end_s - s.start_s), height: H }),
    ),
    svg('path', { class: 'wave', d }),
    svg('line', { class: 'axis', x1: 0, x2: W, y1: H / 2, y2: H / 2 }),
  );
  picture.setAttribute(
    'aria-label',
    `Waveform of ${num(seconds)} s with ${segments.length} speech segment${segments.length === 1 ? '' : 's'} shaded`,
  );
  return h(
    'div',
    { class: 'speech' },
    picture,
    h(
      'ol',
      { class: 'segments', 'data-segments': segments.length },
      segments.map((s) => h('li', {}, `speech ${num(s.start_s)} s – ${num(s.end_s)} s`)),
    ),
  );
}

/**
 * OCR lines: their boxes drawn over the image sent, and the text read.
 *
 * @param {Array<{ text: string, confidence?: number, box?: number[] }>} lines
 * @param {Shown['image']} image
 */
function ocr(lines, image) {
  const over = image
    ? svg(
        'svg',
        { viewBox: `0 0 ${image.width} ${image.height}`, class: 'ocr-overlay', role: 'img' },
        svg('image', { href: image.url, x: 0, y: 0, width: image.width, height: image.height }),
        lines
          .filter((l) => Array.isArray(l.box) && l.box.length >= 4)
          .map((l) => {
            const [x1, y1, x2, y2] = /** @type {number[]} */ (l.box);
            return svg(
              'g',
              {},
              svg('rect', { class: 'box', x: x1, y: y1, width: (x2 ?? 0) - (x1 ?? 0), height: (y2 ?? 0) - (y1 ?? 0) }),
              svg('title', {}, l.text),
            );
          }),
      )
    : null;
  over?.setAttribute('aria-label', `The image with ${lines.length} text line${lines.length === 1 ? '' : 's'} boxed`);
  return h(
    'div',
    { class: 'ocr' },
    over,
    h(
      'ol',
      { class: 'lines', 'data-lines': lines.length },
      lines.map((l) =>
        h(
          'li',
          {},
          h('span', { class: 'text' }, l.text),
          l.confidence !== undefined ? h('span', { class: 'score' }, ` ${pct(l.confidence, 1)}`) : null,
        ),
      ),
    ),
  );
}

/**
 * One prediction of the friendly API as a person reads it: top labels as bars, speech segments on the waveform, OCR
 * boxes over the image, recognised text; anything else as its JSON.
 *
 * @example result.append(renderPrediction(answer.predictions[0], { image }))
 * @param {any} p a prediction (`predictions[i]` of POST /v1/models/{m}:predict)
 * @param {Shown} shown
 */
export function renderPrediction(p, shown = {}) {
  /** @type {HTMLElement[]} */
  const parts = [];
  if (p && typeof p === 'object') {
    if (Array.isArray(p.segments)) parts.push(waveform(p.segments, shown.audio, p.duration_s));
    if (Array.isArray(p.lines)) parts.push(ocr(p.lines, shown.image));
    else if (shown.image) parts.push(h('img', { class: 'thumb', src: shown.image.url, alt: 'The image sent' }));
    else if (typeof p.text === 'string')
      parts.push(
        h(
          'p',
          { class: 'read' },
          h('q', {}, p.text),
          p.confidence !== undefined ? ` — confidence ${pct(p.confidence, 1)}` : '',
        ),
      );
    const scored = Array.isArray(p.top_k)
      ? p.top_k
      : typeof p.label === 'string' && typeof p.score === 'number'
        ? [{ label: p.label, score: p.score }]
        : undefined;
    if (scored) parts.push(bars(scored));
    if (typeof p.speech === 'boolean')
      parts.unshift(
        h(
          'p',
          { class: 'verdict' },
          p.speech ? 'Speech' : 'No speech',
          typeof p.speech_ratio === 'number' ? ` — ${pct(p.speech_ratio)} of the audio` : '',
        ),
      );
  }
  const raw = h('details', { class: 'raw' }, h('summary', {}, 'JSON'), h('pre', {}, JSON.stringify(p, null, 2)));
  if (!parts.length) raw.open = true;
  return h('div', { class: 'prediction' }, parts, raw);
}
