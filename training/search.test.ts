import { describe, expect, it } from 'vitest';
import { setLogLevel } from '../core/log.ts';
import { randomSearch, sampleTrials, type SearchPlan } from './search.ts';
import { gaussianClusters } from './synthetic.ts';
import { trainHead } from './train.ts';
import type { TrainOptions } from './types.ts';

setLogLevel('silent');

const options: TrainOptions = {
  epochs: 4,
  learningRate: 0.001,
  batchSize: 16,
  patience: 0,
  seed: 2,
  hidden: 0,
  dropout: 0,
  unfreeze: 0,
};

describe('random search over hyper-parameters', () => {
  it('draws each parameter from its space, the same trials for the same seed', () => {
    const space = {
      learningRate: { min: 1e-4, max: 1e-1 },
      epochs: { min: 2, max: 9 },
      batchSize: [8, 32],
      augmentStrength: { min: 0.2, max: 0.9 },
    };
    const trials = sampleTrials(space, 50, 4);
    expect(sampleTrials(space, 50, 4)).toEqual(trials);
    expect(sampleTrials(space, 50, 5)).not.toEqual(trials);
    for (const t of trials) {
      expect(t.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(t.learningRate).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(t.epochs) && t.epochs! >= 2 && t.epochs! <= 9).toBe(true);
      expect([8, 32]).toContain(t.batchSize);
      expect(Math.round(t.augmentStrength! * 10) / 10).toBe(t.augmentStrength);
    }
    // Log-uniform: about half the learning rates below the geometric middle (≈ 0.0032), not a tenth.
    const low = trials.filter((t) => t.learningRate! < Math.sqrt(1e-4 * 1e-1)).length;
    expect(low).toBeGreaterThan(12);
    expect(low).toBeLessThan(38);
  });

  it('chooses the best trial by validation score and stops when trials stop improving', async () => {
    const data = gaussianClusters({ classes: 4, shape: [16], train: 80, validation: 40, seed: 9, spread: 0.8 });
    const plan: SearchPlan = {
      trials: 12,
      patience: 3,
      minDelta: 0.001,
      seed: 3,
      space: { learningRate: { min: 1e-4, max: 0.3 }, epochs: [2, 4, 8], batchSize: [8, 16, 32] },
      first: { learningRate: 1e-4, epochs: 2, batchSize: 32 }, // the options as sent: a poor start
    };
    const search = () =>
      randomSearch(plan, async (params) => {
        const r = await trainHead(data, { ...options, ...params });
        return { score: r.validation.accuracy, loss: r.validation.loss, epochs: r.epochs.length };
      });
    const report = await search();
    const scores = report.trials.map((t) => t.outcome!.score);
    expect(report.method).toBe('random');
    expect(report.trials[0]!.params).toEqual(plan.first);
    // The best is the highest score (lowest loss among equals).
    const best = report.trials[report.best - 1]!;
    for (const t of report.trials) {
      expect(t.outcome!.score).toBeLessThanOrEqual(best.outcome!.score);
      if (t.outcome!.score === best.outcome!.score) expect(t.outcome!.loss).toBeGreaterThanOrEqual(best.outcome!.loss);
    }
    expect(best.outcome!.score).toBeGreaterThan(scores[0]!);
    // Early stopping: it ended before its 12th trial, `patience` trials after the last one that improved.
    expect(report.stoppedEarly).toBe(true);
    expect(report.trials.length).toBeLessThan(plan.trials);
    let lastImprovement = 0;
    let top = -Infinity;
    scores.forEach((s, i) => {
      if (s > top + plan.minDelta) {
        top = s;
        lastImprovement = i;
      }
    });
    expect(report.trials.length - 1 - lastImprovement).toBe(plan.patience);
    // Deterministic: the same plan and data give the same trials and scores (same backend).
    const again = await search();
    expect(again.trials.map((t) => [t.params, t.outcome!.score])).toEqual(
      report.trials.map((t) => [t.params, t.outcome!.score]),
    );
  });

  it('records a failed trial and goes on; throws when every trial failed', async () => {
    const plan: SearchPlan = {
      trials: 3,
      patience: 5,
      minDelta: 0,
      seed: 1,
      space: { batchSize: [4, 8] },
      first: { batchSize: 2 },
    };
    const report = await randomSearch(plan, async (p) => {
      if (p.batchSize === 2) throw new Error('no good');
      return { score: p.batchSize!, loss: 0 };
    });
    expect(report.trials[0]).toMatchObject({ trial: 1, error: 'no good' });
    expect(report.trials[report.best - 1]!.outcome!.score).toBe(
      Math.max(...report.trials.slice(1).map((t) => t.outcome!.score)),
    );
    await expect(
      randomSearch(plan, async () => {
        throw new Error('always');
      }),
    ).rejects.toThrow('always');
  });
});
