import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { utf8, type Tensor } from '../core/tensor.ts';
import { packageDir } from '../core/package-dir.ts';
import { scaleSumModel, tempStore } from '../test/support/tiny-models.ts';
import { runtimeConformance } from './conformance.ts';
import { onnxRuntime } from './onnx/index.ts';
import { tfjsRuntime } from './tfjs/index.ts';
import { fasttextRuntime } from './fasttext/index.ts';
import { cld3Runtime } from './cld3/index.ts';
import { landeRuntime } from './lande/index.ts';
import { faceapiRuntime } from './faceapi/index.ts';
import { loadInWorker } from './worker/index.ts';

const dir = tempStore();
const onnxPath = join(dir, 'scale.onnx');
writeFileSync(onnxPath, scaleSumModel(2));
const onnxFeeds = (b: number): Record<string, Tensor> => ({
  x: { name: 'x', datatype: 'FP32', shape: [b, 4], data: Float32Array.from({ length: b * 4 }, (_, i) => i * 0.5) },
  ids: {
    name: 'ids',
    datatype: 'INT64',
    shape: [b, 2],
    data: BigInt64Array.from({ length: b * 2 }, (_, i) => BigInt(i)),
  },
});
const image = (b: number): Record<string, Tensor> => ({
  input_1: {
    name: 'input_1',
    datatype: 'FP32',
    shape: [b, 224, 224, 3],
    data: Float32Array.from({ length: b * 224 * 224 * 3 }, (_, i) => ((i * 7919) % 255) / 255),
  },
});
const texts = ['The weather is lovely today.', 'Le temps est magnifique.', 'Das Wetter ist herrlich.'];
const textFeeds = (b: number): Record<string, Tensor> => ({
  text: { name: 'text', datatype: 'BYTES', shape: [b], data: texts.slice(0, b).map(utf8) },
});
const lid = `${packageDir('fasttext.wasm.js')}/dist/models/language-identification/assets/lid.176.ftz`;

runtimeConformance('onnx', { load: () => onnxRuntime.load({ path: onnxPath }), feeds: onnxFeeds });
runtimeConformance('onnx in a worker thread', {
  load: () => loadInWorker({ runtime: 'onnx', spec: { path: onnxPath } }),
  feeds: onnxFeeds,
});
runtimeConformance('tfjs (nsfwjs MobileNetV2)', {
  load: () => tfjsRuntime.load({ path: `${packageDir('nsfwjs')}/dist/models/mobilenet_v2`, format: 'tfjs-minjs' }),
  feeds: image,
  tolerance: 1e-3,
});
runtimeConformance('fasttext (lid.176)', { load: () => fasttextRuntime.load({ path: lid }), feeds: textFeeds });
runtimeConformance('cld3', { load: () => cld3Runtime.load({ path: '' }), feeds: textFeeds });
runtimeConformance('lande', { load: () => landeRuntime.load({ path: '' }), feeds: textFeeds });
runtimeConformance('faceapi (expression net rebuilt as ONNX)', {
  load: () =>
    faceapiRuntime.load({
      path: `${packageDir('@vladmandic/face-api')}/model/face_expression_model-weights_manifest.json`,
    }),
  feeds: (b) => ({
    image: {
      name: 'image',
      datatype: 'FP32',
      shape: [b, 3, 112, 112],
      data: Float32Array.from({ length: b * 3 * 112 * 112 }, (_, i) => ((i * 7919) % 255) / 255 - 0.45),
    },
  }),
});

describe('ONNX execution providers', () => {
  it('falls back along the configured order and reports the provider in use', async () => {
    const s = await onnxRuntime.load({ path: onnxPath, providers: ['cuda', 'cpu'] });
    expect(s.provider).toBe('cpu');
    await s.dispose();
  });
  it('names every provider that failed when none loads', async () => {
    await expect(onnxRuntime.load({ path: onnxPath, providers: ['cuda'] })).rejects.toMatchObject({
      code: 'RUNTIME_UNAVAILABLE',
      message: expect.stringMatching(/cuda:/),
    });
  });
});

describe('worker threads keep the event loop free', () => {
  it('the event loop keeps turning while a worker runs a heavy model', async () => {
    const { mlp } = await import('../tools/onnx/mlp.ts');
    const path = join(dir, 'mlp.onnx');
    writeFileSync(path, mlp({ inputs: 1024, hidden: 2048, layers: 4 }));
    const s = await loadInWorker({ runtime: 'onnx', spec: { path } });
    const x: Tensor = {
      name: 'features',
      datatype: 'FP32',
      shape: [64, 1024],
      data: new Float32Array(64 * 1024).fill(0.1),
    };
    // Loop turns (setImmediate callbacks) counted while each run is in flight. A run that blocks the
    // calling thread leaves room for one turn at most (onnxruntime in this thread gets exactly 1 per
    // run); a run in a worker, thousands. Counted, not timed: a busy host changes how many, not whether.
    const runs = 5;
    let turns = 0;
    for (let i = 0; i < runs; i++) {
      let pending = true;
      const spin = () => {
        if (!pending) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      await s.run({ features: x });
      pending = false;
    }
    await s.dispose();
    expect(turns).toBeGreaterThan(runs);
  });
});

describe('TensorFlow.js backends', () => {
  const model = { path: `${packageDir('nsfwjs')}/dist/models/mobilenet_v2`, format: 'tfjs-minjs' };
  it('falls back past the native tfjs-node packages (absent here) to the pure-JS cpu backend', async () => {
    const s = await loadInWorker({
      runtime: 'tfjs',
      spec: { ...model, providers: ['tensorflow-gpu', 'tensorflow', 'cpu'] },
    });
    expect(s.provider).toBe('cpu');
    const out = await s.run(image(1));
    const p = Array.from(Object.values(out)[0]!.data as Float32Array);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    await s.dispose();
  }, 120_000);
  it('names every backend that failed when none initialises', async () => {
    await expect(
      loadInWorker({ runtime: 'tfjs', spec: { ...model, providers: ['tensorflow-gpu', 'tensorflow'] } }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/tensorflow-gpu:.*tensorflow:/) });
  });
});

describe('inference threads yield the CPU', () => {
  const policies = () =>
    readdirSync('/proc/self/task').map((t) => {
      const sched = readFileSync(`/proc/self/task/${t}/sched`, 'utf8');
      return { policy: Number(/^policy\s*:\s*(\d+)/m.exec(sched)?.[1]), nice: getPriority(Number(t)) };
    });
  it.runIf(process.platform === 'linux')(
    'a worker loaded with idle and nice runs under SCHED_IDLE at that nice value; the calling thread is untouched',
    async () => {
      const before = policies().filter((p) => p.policy === 5).length;
      const s = await loadInWorker({ runtime: 'onnx', spec: { path: onnxPath }, nice: 7, idle: true });
      const after = policies();
      await s.dispose();
      expect(after.filter((p) => p.policy === 5).length).toBeGreaterThan(before); // 5 = SCHED_IDLE
      expect(after.some((p) => p.policy === 5 && p.nice === 7)).toBe(true);
      expect(getPriority(0)).toBe(0);
      expect(readFileSync('/proc/thread-self/sched', 'utf8')).toMatch(/^policy\s*:\s*0$/m);
    },
  );
});
