// @ts-check

/**
 * Mono 16-bit PCM WAV bytes of samples in [-1, 1].
 *
 * @example const blob = encodeWav(samples, 16000);
 * @param {Float32Array} samples
 * @param {number} rate samples per second
 */
export function encodeWav(samples, rate) {
  const data = samples.length * 2;
  const view = new DataView(new ArrayBuffer(44 + data));
  const text = (/** @type {number} */ at, /** @type {string} */ s) => {
    for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + data, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  text(36, 'data');
  view.setUint32(40, data, true);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, /** @type {number} */ (samples[i])));
    view.setInt16(44 + i * 2, v < 0 ? v * 0x8000 : v * 0x7fff, true);
  }
  return new Blob([view.buffer], { type: 'audio/wav' });
}

/**
 * Decodes any audio the browser can read (WAV, or what its recorder makes) to mono samples at `rate`; undefined when
 * the browser cannot decode it (the gateway still gets the file and says what it thinks of it).
 *
 * @param {ArrayBuffer} bytes
 * @param {number} [rate]
 * @returns {Promise<{ samples: Float32Array, rate: number } | undefined>}
 */
export async function decodeMono(bytes, rate = 16000) {
  let decoded;
  try {
    decoded = await new OfflineAudioContext(1, 1, rate).decodeAudioData(bytes.slice(0));
  } catch {
    return undefined;
  }
  const frames = Math.max(1, Math.ceil(decoded.duration * rate));
  const ctx = new OfflineAudioContext(1, frames, rate);
  const source = ctx.createBufferSource();
  source.buffer = decoded; // mixed down to the context's one channel
  source.connect(ctx.destination);
  source.start();
  const rendered = await ctx.startRendering();
  return { samples: rendered.getChannelData(0), rate };
}
