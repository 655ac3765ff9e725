import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { gaussianClusters } from '../synthetic.ts';
import type { EpochReport, TrainOptions } from '../types.ts';
import { activeTrainingWorkers, sharedCopy, startTraining } from './index.ts';

const options: TrainOptions = {
  epochs: 10,
  learningRate: 0.01,
  batchSize: 16,
  patience: 0,
  seed: 11,
  hidden: 0,
  dropout: 0,
  unfreeze: 0,
};
const clusters = (seed = 1) => gaussianClusters({ classes: 3, shape: [64], train: 90, validation: 30, seed });

/** Nice value and scheduling policy of each thread of this process (Linux). */
function threads(): Array<{ nice: number; policy: number }> {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    const policy = Number(/^policy\s*:\s*(\d+)/m.exec(readFileSync(`/proc/self/task/${tid}/sched`, 'utf8'))?.[1] ?? -1);
    return { nice, policy };
  });
}

afterEach(() => expect(activeTrainingWorkers()).toBe(0));

describe('startTraining (worker thread)', () => {
  it('trains separable clusters to ≥ 0.95 validation accuracy off the caller thread, at the nice value asked', async () => {
    const data = clusters();
    const epochs: EpochReport[] = [];
    let during: ReturnType<typeof threads> = [];
    const job = startTraining(data, options, {
      cpuShare: 1,
      nice: 17,
      idle: false,
      onEpoch: (r) => {
        epochs.push(r);
        if (epochs.length === 1) during = threads();
      },
    });
    expect(data.features.length).toBe(0); // transferred, not copied
    const result = await job.result;
    expect(result.validation.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.epochs).toEqual(epochs);
    expect(result.weights.byteLength).toBe((64 * 3 + 3) * 4);
    expect(result.validation.predictions).toHaveLength(30);
    expect(['wasm', 'cpu', 'tensorflow']).toContain(result.backend);
    if (process.platform === 'linux') expect(during.some((t) => t.nice === 17)).toBe(true);
  });

  it('reads features in shared memory in place: two runs on one copy, nothing detached, the same result', async () => {
    const data = clusters(7);
    const shared = {
      ...data,
      features: sharedCopy(data.features),
      validation: { ...data.validation, features: sharedCopy(data.validation.features) },
    };
    const first = await startTraining(shared, { ...options, epochs: 3 }, { cpuShare: 1, nice: 0 }).result;
    expect(shared.features.length).toBe(90 * 64); // still there for the next run
    const second = await startTraining(shared, { ...options, epochs: 3 }, { cpuShare: 1, nice: 0 }).result;
    expect(second.epochs.map((e) => e.loss)).toEqual(first.epochs.map((e) => e.loss));
    expect(first.validation.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('gives the same epoch-1 loss for the same seed', async () => {
    const first = async () => {
      let loss = NaN;
      await startTraining(
        clusters(2),
        { ...options, epochs: 1, hidden: 8, dropout: 0.3 },
        { cpuShare: 1, nice: 0, onEpoch: (r) => (loss = r.loss) },
      ).result;
      return loss;
    };
    const a = await first();
    expect(Number.isFinite(a)).toBe(true);
    expect(await first()).toBe(a);
  });

  it('runs SCHED_IDLE by default and pauses per batch for a CPU share', async () => {
    let during: ReturnType<typeof threads> = [];
    const result = await startTraining(
      clusters(3),
      { ...options, epochs: 2 },
      {
        cpuShare: 0.5,
        nice: 13,
        onEpoch: () => {
          during = threads();
        },
      },
    ).result;
    expect(result.epochs).toHaveLength(2);
    // SCHED_IDLE is policy 5; where chrt is missing or not permitted, the nice value still applies.
    if (process.platform === 'linux') expect(during.some((t) => t.policy === 5 || t.nice === 13)).toBe(true);
  });

  it('rejects with CANCELLED after cancel() and the thread exits', async () => {
    let job: ReturnType<typeof startTraining> | undefined;
    const seen: number[] = [];
    job = startTraining(
      clusters(4),
      { ...options, epochs: 1000 },
      {
        cpuShare: 1,
        nice: 0,
        onEpoch: (r) => {
          seen.push(r.epoch);
          job!.cancel();
        },
      },
    );
    await expect(job.result).rejects.toMatchObject({ code: 'CANCELLED', message: 'the job was cancelled' });
    expect(seen[0]).toBe(1);
    expect(seen.length).toBeLessThan(1000);
    expect(activeTrainingWorkers()).toBe(0);
  });

  it('reports a crashed thread as INTERNAL', async () => {
    // A heap far too small for TensorFlow.js: the thread dies of it (ERR_WORKER_OUT_OF_MEMORY).
    const job = startTraining(clusters(5), options, { cpuShare: 1, nice: 0, maxHeapMb: 4 });
    await expect(job.result).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^training worker crashed: /),
    });
  });

  it('rejects invalid options and an out-of-range CPU share without starting a thread', async () => {
    await expect(
      startTraining(clusters(), { ...options, epochs: 1e6 }, { cpuShare: 1, nice: 0 }).result,
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(startTraining(clusters(), options, { cpuShare: 0, nice: 0 }).result).rejects.toThrow(/cpuShare/);
    await expect(startTraining(clusters(), options, { cpuShare: 1, nice: 20 }).result).rejects.toThrow(/nice/);
  });

  it('passes NOT_TRAINABLE from the thread', async () => {
    const data = gaussianClusters({ classes: 2, shape: [1280], train: 4, validation: 2, seed: 6 });
    // unfreeze needs the base model, and synthetic data names none
    const job = startTraining(data, { ...options, unfreeze: 1 }, { cpuShare: 1, nice: 0 });
    await expect(job.result).rejects.toMatchObject({ code: 'NOT_TRAINABLE' });
  });
});
