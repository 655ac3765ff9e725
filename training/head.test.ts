import * as tf from '../runtimes/tfjs/tf.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../core/log.ts';
import { resolvePackageFile } from '../model-store/package-file.ts';
import { readArtifacts } from '../runtimes/tfjs/files.ts';
import { initBackend } from '../runtimes/tfjs/backend.ts';
import { buildHead } from './head.ts';
import { seededRandom } from '../core/random.ts';
import { trainHead } from './train.ts';

setLogLevel('silent');

const nsfw = () => ({
  path: resolvePackageFile({ package: 'nsfwjs', path: 'dist/models/mobilenet_v2' }),
  format: 'tfjs-minjs',
  feature: 'flatten_1',
});
const opts = { hidden: 0, dropout: 0, unfreeze: 0 };
const layerNames = (m: tf.LayersModel) =>
  m.layers
    .filter((l) => l.getClassName() !== 'InputLayer')
    .map((l) => `${l.getClassName()}:${l.name}:${l.trainable ? 'T' : 'F'}`);

beforeAll(() => initBackend());

describe('buildHead', () => {
  it('pools H×W×C maps, flattens rank 2, and adds hidden, dropout and a softmax output', async () => {
    const m3 = await buildHead(
      { featureShape: [4, 4, 8], classes: ['a', 'b', 'c'] },
      { hidden: 16, dropout: 0.3, unfreeze: 0 },
    );
    expect(layerNames(m3)).toEqual([
      'GlobalAveragePooling2D:head_pool:T',
      'Dense:head_hidden:T',
      'Dropout:head_dropout:T',
      'Dense:head_output:T',
    ]);
    expect(m3.outputs[0]!.shape).toEqual([null, 3]);
    const m2 = await buildHead({ featureShape: [5, 6], classes: ['a', 'b'] }, opts);
    expect(layerNames(m2)).toEqual(['Flatten:head_flatten:T', 'Dense:head_output:T']);
    const m1 = await buildHead({ featureShape: [1280], classes: ['a', 'b'] }, opts);
    expect(layerNames(m1)).toEqual(['Dense:head_output:T']);
    for (const m of [m3, m2, m1]) m.dispose();
  });

  it('initialises the same weights for the same seed', async () => {
    const first = async (seed: number) => {
      const m = await buildHead({ featureShape: [8], classes: ['a', 'b'] }, { ...opts, hidden: 4 }, seededRandom(seed));
      const v = Array.from(m.getWeights()[0]!.dataSync());
      m.dispose();
      return v;
    };
    expect(await first(1)).toEqual(await first(1));
    expect(await first(2)).not.toEqual(await first(1));
  });
});

describe('buildHead with unfreeze on nsfwjs MobileNetV2', () => {
  it('reuses dense_1 and dense_2 (with their dropouts) with the base weights, trainable, before a new output', async () => {
    const head = await buildHead(
      { featureShape: [1280], classes: ['a', 'b', 'c'], base: nsfw() },
      { ...opts, unfreeze: 2 },
    );
    expect(layerNames(head)).toEqual([
      'Dense:dense_1:T',
      'Dropout:dropout_2:T',
      'Dense:dense_2:T',
      'Dropout:dropout_3:T',
      'Dense:head_output:T',
    ]);

    const { artifacts } = readArtifacts(nsfw().path, 'tfjs-minjs');
    const base = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    for (const name of ['dense_1', 'dense_2']) {
      const [mine, theirs] = [head.getLayer(name).getWeights(), base.getLayer(name).getWeights()];
      expect(mine.map((w) => w.shape)).toEqual(theirs.map((w) => w.shape));
      expect(mine[0]!.dataSync().slice(0, 8)).toEqual(theirs[0]!.dataSync().slice(0, 8));
      expect(mine[0]!.dataSync()[1000]).not.toBe(0);
    }
    // The same features give the same 128-D activation through the head's copy and the base's layers.
    const x = tf.randomNormal([2, 1280], 0, 1, 'float32', 3);
    const viaHead = tf.model({ inputs: head.inputs, outputs: head.getLayer('dense_2').output as tf.SymbolicTensor });
    const viaBase = tf.sequential({
      layers: [tf.layers.inputLayer({ inputShape: [1280] }), base.getLayer('dense_1'), base.getLayer('dense_2')],
    });
    expect(Array.from((viaHead.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((viaBase.predict(x) as tf.Tensor).dataSync()),
    );
    head.dispose();
    base.dispose();
    x.dispose();
  });

  it('with base.output, ends with the base’s own output layer: the head answers as the base does', async () => {
    const head = await buildHead(
      { featureShape: [1280], classes: ['a', 'b', 'c', 'd', 'e'], base: { ...nsfw(), output: true } },
      { ...opts, unfreeze: 1 },
    );
    expect(layerNames(head).at(-1)).toBe('Dense:dense_3:T');
    const { artifacts } = readArtifacts(nsfw().path, 'tfjs-minjs');
    const base = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(base.getLayer('dense_3').getConfig().activation).toBe('softmax');
    const x = tf.randomNormal([2, 1280], 0, 1, 'float32', 4);
    const viaBase = tf.sequential({
      layers: [
        tf.layers.inputLayer({ inputShape: [1280] }),
        base.getLayer('dense_1'),
        base.getLayer('dense_2'),
        base.getLayer('dense_3'),
      ],
    });
    expect(Array.from((head.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((viaBase.predict(x) as tf.Tensor).dataSync()),
    );
    await expect(
      buildHead(
        { featureShape: [1280], classes: ['a', 'b'], base: { ...nsfw(), output: true } },
        { ...opts, unfreeze: 1 },
      ),
    ).rejects.toThrow(/does not give 2 classes/);
    head.dispose();
    base.dispose();
    x.dispose();
  });

  it('a head that starts as its base comes back as its base (best epoch 0) when training only makes it worse', async () => {
    const { artifacts } = readArtifacts(nsfw().path, 'tfjs-minjs');
    const base = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const viaBase = tf.sequential({
      layers: [
        tf.layers.inputLayer({ inputShape: [1280] }),
        ...['dense_1', 'dense_2', 'dense_3'].map((n) => base.getLayer(n)),
      ],
    });
    const rand = seededRandom(8);
    const features = (n: number) => Float32Array.from({ length: n * 1280 }, () => rand() * 2);
    const [train, validation] = [features(32), features(16)];
    // Validation targets: the base's own answers (it is perfect there); training targets: noise, learnt fast.
    const valTargets = tf.tidy(() => (viaBase.predict(tf.tensor2d(validation, [16, 1280])) as tf.Tensor).dataSync());
    const trainTargets = Float32Array.from({ length: 32 * 5 }, (_, i) => (i % 5 === Math.floor(i / 5) % 3 ? 1 : 0));
    const argmax = (p: ArrayLike<number>, n: number) =>
      Int32Array.from({ length: n }, (_, r) =>
        [0, 1, 2, 3, 4].reduce((b, c) => (p[r * 5 + c]! > p[r * 5 + b]! ? c : b), 0),
      );
    const result = await trainHead(
      {
        features: train,
        featureShape: [1280],
        labels: argmax(trainTargets, 32),
        classes: ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'],
        validation: { features: validation, labels: argmax(valTargets, 16) },
        base: { ...nsfw(), output: true },
        soft: { targets: trainTargets, validation: Float32Array.from(valTargets), temperature: 1, loss: 'kl' },
      },
      { epochs: 6, learningRate: 0.05, batchSize: 8, patience: 3, seed: 1, hidden: 0, dropout: 0, unfreeze: 2 },
    );
    expect(result.bestEpoch).toBe(0);
    expect(result.validation.accuracy).toBe(1);
    expect(result.validation.loss).toBeLessThan(Math.min(...result.epochs.map((e) => e.valLoss)));
    viaBase.dispose();
    base.dispose();
  });

  it('keeps the layers before the unfrozen ones, frozen', async () => {
    const head = await buildHead({ featureShape: [1280], classes: ['a', 'b'], base: nsfw() }, { ...opts, unfreeze: 1 });
    expect(layerNames(head)).toEqual([
      'Dense:dense_1:F',
      'Dropout:dropout_2:F',
      'Dense:dense_2:T',
      'Dropout:dropout_3:T',
      'Dense:head_output:T',
    ]);
    expect(head.trainableWeights.map((w) => w.name.split('/')[0])).toEqual([
      'dense_2',
      'dense_2',
      'head_output',
      'head_output',
    ]);
    head.dispose();
  });

  it('trains an unfrozen head on random 1280-D features, and the saved model reloads', async () => {
    const rand = seededRandom(4);
    const n = 24;
    const result = await trainHead(
      {
        features: Float32Array.from({ length: n * 1280 }, rand),
        featureShape: [1280],
        labels: Int32Array.from({ length: n }, (_, i) => i % 2),
        classes: ['photo', 'document'],
        validation: {
          features: Float32Array.from({ length: 6 * 1280 }, rand),
          labels: Int32Array.from({ length: 6 }, (_, i) => i % 2),
        },
        base: nsfw(),
      },
      { epochs: 2, learningRate: 1e-3, batchSize: 8, patience: 0, seed: 1, hidden: 0, dropout: 0, unfreeze: 2 },
    );
    expect(result.epochs).toHaveLength(2);
    expect(Number.isFinite(result.epochs[1]!.loss)).toBe(true);
    const { weightsManifest, ...json } = result.modelJson as {
      weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }>;
    };
    expect(weightsManifest[0]!.weights.map((w) => w.name)).toEqual([
      'dense_1/kernel',
      'dense_1/bias',
      'dense_2/kernel',
      'dense_2/bias',
      'head_output/kernel',
      'head_output/bias',
    ]);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        ...json,
        weightSpecs: weightsManifest[0]!.weights,
        weightData: result.weights.slice().buffer,
      }),
    );
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    model.dispose();
  });

  it('refuses a missing feature layer, too many layers, a shape mismatch, no base, or a graph model: NOT_TRAINABLE', async () => {
    const classes = ['a', 'b'];
    const cases: Array<[Parameters<typeof buildHead>[0], number, RegExp]> = [
      [{ featureShape: [1280], classes, base: { ...nsfw(), feature: 'nope' } }, 1, /no layer 'nope'/],
      [{ featureShape: [1280], classes, base: nsfw() }, 3, /unfreeze 3 asks for more layers than the 2/],
      [{ featureShape: [256], classes, base: nsfw() }, 1, /outputs \[1280\]/],
      [{ featureShape: [1280], classes }, 1, /needs the base model/],
    ];
    // A graph model: a folder with a model.json whose topology is a graph.
    const dir = mkdtempSync(join(tmpdir(), 'massgate-graph-'));
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }),
    );
    cases.push([
      { featureShape: [1280], classes, base: { path: dir, format: 'tfjs', feature: 'x' } },
      1,
      /graph model/,
    ]);
    for (const [data, unfreeze, message] of cases) {
      await expect(buildHead(data, { ...opts, unfreeze }), String(message)).rejects.toMatchObject({
        code: 'NOT_TRAINABLE',
        message: expect.stringMatching(message),
      });
    }
  });
});
