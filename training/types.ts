import type { SoftLoss } from './soft.ts';

/**
 * The training core's contract: what a fine-tuning job hands to `trainHead` / `startTraining` and
 * what comes back. The trained head is a standard TensorFlow.js layers model whose input is one
 * feature vector (or map) of the served model.
 */

/** Hyper-parameters of one training run; `checkTrainInput` validates the ranges. */
export interface TrainOptions {
  /** 1..1000 */
  epochs: number;
  /** > 0, Adam */
  learningRate: number;
  /** 1..1024 */
  batchSize: number;
  /** Early stopping on validation loss; 0 = off. When it stops, the best epoch's weights are restored. */
  patience: number;
  /** Weight init, shuffling and dropout masks are deterministic given the seed (same backend). */
  seed: number;
  /** 0 = none; else one Dense(hidden, relu) before the (dropout and) output layer. */
  hidden: number;
  /** 0..0.9, dropout before the output layer (0 = none). */
  dropout: number;
  /**
   * 0 = new head only; N > 0 = reuse the base layers model's layers after the feature layer (its final
   * layer excluded), the last N of them that have weights trainable (layers models only).
   */
  unfreeze: number;
}

/** Labelled features: the served model's feature-layer outputs, computed once by the caller. */
export interface TrainData {
  /** N × prod(featureShape), row-major. Transferred (detached) by `startTraining`. */
  features: Float32Array;
  /** Per example, e.g. [1280] or [8, 8, 256]. */
  featureShape: number[];
  /** N class indices into `classes`. */
  labels: Int32Array;
  classes: string[];
  validation: { features: Float32Array; labels: Int32Array };
  /** Only for unfreeze > 0: the base TensorFlow.js layers model and the layer whose output the features are. */
  base?: {
    path: string;
    format: string;
    feature: string;
    /**
     * Start the output layer from the base's own, weights included, instead of a new one: the classes are
     * the base's labels in the same order (a distilled student starts as its base). Needs `hidden: 0`.
     */
    output?: boolean;
  };
  /**
   * Distillation: the teacher's class probabilities, trained on with a soft-target loss at `temperature`
   * (training/soft.ts) instead of cross-entropy on one-hot `labels`. The `labels` then hold the teacher's
   * top class of each example, so that accuracy is top-1 agreement with the teacher.
   */
  soft?: {
    /** N × classes: the teacher's probabilities for the training examples (each row sums to 1). */
    targets: Float32Array;
    /** The same for the validation examples (validation loss, hence early stopping, uses them too). */
    validation: Float32Array;
    /** > 0: the teacher's and the student's probabilities are tempered as softmax(log p / T). */
    temperature: number;
    loss: SoftLoss;
  };
}

/** Metrics of one epoch (numbered from 1); `ms` is its wall time, pauses for the CPU share included. */
export interface EpochReport {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  ms: number;
}

/** The trained head and how it got there. */
export interface TrainResult {
  /**
   * A standard TF.js layers model.json: {modelTopology, format:'layers-model', weightsManifest:[{paths:['weights.bin'],
   * weights:[…]}], …}
   */
  modelJson: Record<string, unknown>;
  /** The contents of weights.bin. */
  weights: Uint8Array;
  epochs: EpochReport[];
  /**
   * The epoch whose weights `weights` holds (the best one when early stopping restored it; 0: the starting
   * weights, when a head that starts as its base — `base.output` — was not improved on).
   */
  bestEpoch: number;
  stoppedEarly: boolean;
  /** TensorFlow.js backend used ('tensorflow', 'wasm', 'cpu'…). */
  backend: string;
  /** The returned weights scored on the validation set; confusion[true][predicted]. */
  validation: { accuracy: number; loss: number; predictions: Int32Array; confusion: number[][] };
}

/** Callbacks of a training run in the current thread. */
export interface TrainHooks {
  /** After each epoch's validation. */
  onEpoch?(r: EpochReport): void;
  /** Checked after every batch; true → the run throws GatewayError('CANCELLED'). */
  shouldStop?(): boolean;
  /** Milliseconds to sleep after a batch that took `computeMs` (the CPU share's duty cycle). */
  pauseMs?(computeMs: number): number;
}
