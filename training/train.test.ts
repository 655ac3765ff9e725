import * as tf from '../runtimes/tfjs/tf.ts';
import { describe, expect, it } from 'vitest';
import { setLogLevel } from '../core/log.ts';
import { loadTrainedHead } from '../test/support/heads.ts';
import { gaussianClusters } from './synthetic.ts';
import { dutyCyclePauseMs, isMissingKernel, trainHead } from './train.ts';
import type { TrainOptions } from './types.ts';

setLogLevel('silent');

const options: TrainOptions = {
  epochs: 8,
  learningRate: 0.01,
  batchSize: 16,
  patience: 0,
  seed: 7,
  hidden: 0,
  dropout: 0,
  unfreeze: 0,
};

describe('trainHead (current thread)', () => {
  it('learns separable clusters and returns a loadable layers model', async () => {
    const data = gaussianClusters({ classes: 3, shape: [64], train: 90, validation: 30, seed: 1 });
    const result = await trainHead(data, { ...options, hidden: 16, dropout: 0.2 });
    expect(result.validation.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.epochs).toHaveLength(8);
    expect(result.epochs.at(-1)!.loss).toBeLessThan(result.epochs[0]!.loss);
    expect(result.bestEpoch).toBe(8);
    expect(result.backend).toBe(tf.getBackend());
    expect(['wasm', 'cpu', 'tensorflow']).toContain(result.backend);
    expect(result.modelJson).toMatchObject({ format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'] }] });
    expect(result.validation.confusion.flat().reduce((a, b) => a + b)).toBe(30);

    const model = await loadTrainedHead(result);
    const probs = tf.tidy(() =>
      tf.argMax(model.predict(tf.tensor(data.validation.features, [30, 64])) as tf.Tensor, -1).dataSync(),
    );
    expect(Int32Array.from(probs)).toEqual(result.validation.predictions);
    model.dispose();
  });

  it('is deterministic given the seed, dropout included', async () => {
    const data = () => gaussianClusters({ classes: 3, shape: [64], train: 60, validation: 15, seed: 2 });
    const opts = { ...options, epochs: 2, hidden: 8, dropout: 0.5 };
    const a = await trainHead(data(), opts);
    const b = await trainHead(data(), opts);
    expect(b.epochs[0]!.loss).toBe(a.epochs[0]!.loss);
    expect(b.epochs[1]!.valLoss).toBe(a.epochs[1]!.valLoss);
    const c = await trainHead(data(), { ...opts, seed: 8 });
    expect(c.epochs[0]!.loss).not.toBe(a.epochs[0]!.loss);
  });

  it('stops early when validation loss stops improving and restores the best weights', async () => {
    // Random labels: nothing to learn, so the validation loss soon rises as the head overfits.
    const data = gaussianClusters({ classes: 2, shape: [32], train: 40, validation: 40, seed: 3 });
    data.labels = Int32Array.from(data.labels, (_, i) => ((i * 7919) % 11) % 2);
    const result = await trainHead(data, { ...options, epochs: 200, learningRate: 0.05, batchSize: 8, patience: 3 });
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochs.length).toBeLessThan(200);
    expect(result.epochs.length).toBe(result.bestEpoch + 3);
    const best = result.epochs[result.bestEpoch - 1]!;
    expect(Math.min(...result.epochs.map((e) => e.valLoss))).toBe(best.valLoss);
    expect(result.validation.loss).toBeCloseTo(best.valLoss, 5);
  });

  it('trains on rank-3 feature maps without growing memory across epochs', async () => {
    const data = gaussianClusters({ classes: 2, shape: [4, 4, 8], train: 40, validation: 10, seed: 4, spread: 2 });
    const tensors: number[] = [];
    const before = tf.memory().numTensors;
    const result = await trainHead(
      data,
      { ...options, epochs: 6, patience: 10, hidden: 8, dropout: 0.1 },
      { onEpoch: () => tensors.push(tf.memory().numTensors) },
    );
    expect(result.validation.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(new Set(tensors.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.stringify(result.modelJson)).toContain('GlobalAveragePooling2D');
  });

  it('checks cancellation after every batch and reports the pause asked for', async () => {
    const data = gaussianClusters({ classes: 2, shape: [8], train: 40, validation: 8, seed: 5 });
    let batches = 0;
    const run = trainHead(
      data,
      { ...options, batchSize: 4 },
      {
        shouldStop: () => ++batches > 3,
        pauseMs: (ms) => {
          expect(ms).toBeGreaterThanOrEqual(0);
          return 0;
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED', message: 'the job was cancelled' });
    expect(batches).toBe(4);
  });

  it('refuses absurd options and inconsistent data', async () => {
    const data = gaussianClusters({ classes: 2, shape: [8], train: 4, validation: 2, seed: 6 });
    await expect(trainHead(data, { ...options, epochs: 0 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/epochs/),
    });
    await expect(trainHead(data, { ...options, learningRate: -1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(trainHead({ ...data, labels: Int32Array.of(0, 1, 2, 0) }, options)).rejects.toThrow(
      /not a class index/,
    );
    await expect(trainHead({ ...data, featureShape: [9] }, options)).rejects.toThrow(/expected 4 × 9/);
  });

  it('trains on the cpu backend too', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const result = await trainHead(gaussianClusters({ classes: 3, shape: [16], train: 30, validation: 9, seed: 9 }), {
        ...options,
        epochs: 3,
        hidden: 4,
        dropout: 0.1,
      });
      expect(result.backend).toBe('cpu');
      expect(result.epochs).toHaveLength(3);
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('falls back to cpu when the backend lacks a kernel that training needs', async () => {
    const previous = tf.getBackend();
    if (previous === 'cpu') return;
    // Adam's update needs Sqrt; the forward pass does not. Take it away from the chosen backend.
    const sqrt = tf.getKernel('Sqrt', previous)!;
    tf.unregisterKernel('Sqrt', previous);
    try {
      const result = await trainHead(gaussianClusters({ classes: 2, shape: [8], train: 16, validation: 4, seed: 10 }), {
        ...options,
        epochs: 2,
      });
      expect(result.backend).toBe('cpu');
      expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    } finally {
      tf.registerKernel(sqrt);
      await tf.setBackend(previous);
    }
  });

  it('turns a CPU share into a pause after each batch', () => {
    expect(dutyCyclePauseMs(40, 0.5)).toBe(40);
    expect(dutyCyclePauseMs(40, 0.25)).toBe(120);
    expect(dutyCyclePauseMs(40, 1)).toBe(0);
  });

  it('recognises a missing-kernel error', () => {
    expect(isMissingKernel(new Error("Kernel 'ReluGrad' not registered for backend 'wasm'"))).toBe(true);
    expect(isMissingKernel(new Error('out of memory'))).toBe(false);
  });
});
