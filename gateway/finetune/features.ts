import { GatewayError } from '../../core/errors.ts';
import type { Scores as ClassScores } from '../models/servable.ts';
import type { ServedModel } from '../models/served-model.ts';

const mib = (bytes: number) => +(bytes / 2 ** 20).toPrecision(3);

/**
 * Features of a set of items as one buffer, with the served model's class scores for them when asked for and it has
 * labels.
 */
export interface Features {
  data: Float32Array;
  /** Per item, e.g. [1280] or [8, 8, 256]. */
  shape: number[];
  scores?: ClassScores;
}

/**
 * Runs items through the served model for its `feature` output, `slice` items at a time (each slice goes
 * through the scheduler and batches with live traffic), checking `signal` and reporting progress between
 * slices. The features are computed once; training reuses them every epoch.
 */
export async function extractFeatures(
  model: ServedModel,
  items: readonly unknown[],
  feature: string,
  o: {
    signal: AbortSignal;
    withScores: boolean;
    slice?: number;
    onProgress?(done: number): void;
    cap?: { maxBytes: number; examples: number };
  },
): Promise<Features> {
  const slice = o.slice ?? 32;
  let data: Float32Array | undefined;
  let shape: number[] = [];
  const labels: string[] = [];
  const scores: number[][] = [];
  let withScores = true;
  for (let i = 0; i < items.length; i += slice) {
    if (o.signal.aborted) throw new GatewayError('CANCELLED', 'the job was cancelled');
    const part = items.slice(i, i + slice);
    const out = await model.embed(part, feature, o.withScores, { signal: o.signal });
    if (!(out.features.data instanceof Float32Array))
      throw new GatewayError(
        'NOT_TRAINABLE',
        `output '${feature}' of model '${model.name}' is ${out.features.datatype}, not FP32 features`,
      );
    shape = out.features.shape.slice(1);
    const per = shape.reduce((a, b) => a * b, 1);
    if (o.cap && per * 4 * o.cap.examples > o.cap.maxBytes) {
      throw new GatewayError(
        'PAYLOAD_TOO_LARGE',
        `the features of ${o.cap.examples} examples (${per} values each) would take ${mib(per * 4 * o.cap.examples)} MiB, over FINETUNE_MAX_FEATURE_MB (${mib(o.cap.maxBytes)}); send fewer examples or fewer augmented copies`,
      );
    }
    data ??= new Float32Array(items.length * per);
    data.set(out.features.data.subarray(0, part.length * per), i * per);
    if (out.scores) {
      if (!labels.length) labels.push(...out.scores.labels);
      scores.push(...out.scores.scores);
    } else withScores = false;
    o.onProgress?.(Math.min(items.length, i + slice));
  }
  return {
    data: data ?? new Float32Array(0),
    shape,
    ...(withScores && labels.length ? { scores: { labels, scores } } : {}),
  };
}
