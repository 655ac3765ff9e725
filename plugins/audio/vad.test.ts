import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { onnxRuntime } from '../../runtimes/onnx/index.ts';
import { packageDir } from '../../core/package-dir.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { contextFor, pluginConformance } from '../conformance.ts';
import { sileroVad } from './vad.ts';

const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/audio/${f}`, import.meta.url));
let session: Promise<RuntimeSession> | undefined;

pluginConformance(sileroVad, {
  ctx: async () => {
    session ??= onnxRuntime.load({ path: `${packageDir('@ricky0123/vad-web')}/dist/silero_vad_v5.onnx` });
    return contextFor(await session, { params: sileroVad.params!.parse({}) });
  },
  validInstances: [fixture('speech.wav').toString('base64'), { b64: fixture('silence.wav').toString('base64') }],
  invalidInstances: [
    42,
    'not base64 %%',
    fixture('truncated.wav').toString('base64'),
    fixture('not-wav.mp3').toString('base64'),
  ],
  expectPrediction: (p, i) => expect(p).toMatchObject({ speech: i === 0 }),
  streamBodies: ['speech.wav', 'speech-24k-stereo-float.wav', 'silence.wav'].map((f) => ({
    body: fixture(f),
    instance: fixture(f).toString('base64'),
  })),
});
