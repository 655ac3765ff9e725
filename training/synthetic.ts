import { seededRandom } from '../core/random.ts';
import type { TrainData } from './types.ts';

/**
 * Labelled Gaussian clusters, one per class, for tests and benchmarks of the training core: each
 * class's examples are its random centre (coordinates in ±`spread`) plus unit normal noise. Seeded.
 *
 * @example
 * const data = gaussianClusters({ classes: 3, shape: [64], train: 60, validation: 30, seed: 1 });
 */
export function gaussianClusters(o: {
  classes: number;
  shape: number[];
  train: number;
  validation: number;
  seed: number;
  spread?: number;
}): TrainData {
  const rand = seededRandom(o.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const row = o.shape.reduce((a, b) => a * b, 1);
  const centres = Array.from({ length: o.classes }, () =>
    Float32Array.from({ length: row }, () => (rand() * 2 - 1) * (o.spread ?? 1)),
  );
  const make = (n: number) => {
    const features = new Float32Array(n * row);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % o.classes;
      labels[i] = c;
      for (let j = 0; j < row; j++) features[i * row + j] = centres[c]![j]! + gauss();
    }
    return { features, labels };
  };
  const train = make(o.train);
  return {
    ...train,
    featureShape: o.shape,
    classes: Array.from({ length: o.classes }, (_, c) => `class${c}`),
    validation: make(o.validation),
  };
}
