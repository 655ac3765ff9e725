// @ts-check
import { decodeMono, encodeWav } from './wav.js';

/**
 * Records from the microphone until `stop()`, then hands back a 16 kHz mono WAV (the browser's recording decoded and
 * re-encoded: recorders make Opus or similar, the gateway's audio models read WAV). The microphone needs a secure
 * page: localhost, or the gateway behind HTTPS.
 *
 * @example const rec = await startRecording(); …; const { wav, samples } = await rec.stop();
 */
export async function startRecording() {
  if (!navigator.mediaDevices?.getUserMedia)
    throw new Error('this page cannot use a microphone (it needs HTTPS or localhost)');
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const recorder = new MediaRecorder(stream);
  /** @type {Blob[]} */
  const chunks = [];
  recorder.addEventListener('dataavailable', (e) => chunks.push(e.data));
  recorder.start();
  return {
    /** @returns {Promise<{ wav: Blob, samples: Float32Array, rate: number }>} */
    async stop() {
      const stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve, { once: true }));
      recorder.stop();
      await stopped;
      for (const t of stream.getTracks()) t.stop();
      const decoded = await decodeMono(await new Blob(chunks).arrayBuffer());
      if (!decoded) throw new Error('the browser could not decode its own recording');
      return { wav: encodeWav(decoded.samples, decoded.rate), ...decoded };
    },
  };
}
