import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelConfigSchema } from '../../model-store/schema.ts';
import type { Scores, Servable } from '../models/servable.ts';
import { buildEnsemble } from './ensemble-model.ts';

/**
 * A member that answers fixed scores after `delayMs` (never, for Infinity), or fails: the ensemble's
 * logic under test, not a model.
 */
function member(name: string, labels: string[], scores: number[][], delayMs = 0, fail?: string): Servable {
  const answer = async (n: number): Promise<Scores> => {
    await new Promise((r) => delayMs < Infinity && setTimeout(r, delayMs));
    if (fail) throw new Error(fail);
    return { labels, scores: scores.slice(0, n) };
  };
  return {
    name,
    version: 1,
    platform: 'test',
    config: ModelConfigSchema.parse({}),
    labels,
    inputs: [{ name: 'x', datatype: 'BYTES', shape: [-1] }],
    outputs: [],
    infer: async () => ({}),
    predict: async () => [],
    scoreInstances: (instances) => answer(instances.length),
    scoreTensors: async () => answer(1),
    describe: () => ({ modality: 'text' }),
    close: async () => {},
  };
}

/** What the ensemble's `predict` answers for one instance (the fields these tests read). */
interface Prediction {
  label: string | null;
  score: number;
  answered: string[];
  missing?: Array<{ member: string; error: string }>;
  decided_by?: string;
  members?: Record<string, { label: string; score: number; probabilities: number[] }>;
}

function ensemble(members: Servable[], cfg: Record<string, unknown>) {
  const byName = new Map(members.map((m) => [m.name, m]));
  return buildEnsemble(
    'e',
    1,
    ModelConfigSchema.parse({ ensemble: { members: members.map((m) => m.name), ...cfg } }),
    (n) => byName.get(n)!,
  );
}

describe('ensemble model', () => {
  afterEach(() => vi.useRealTimers());
  const a = member(
    'a',
    ['cat', 'dog'],
    [
      [0.9, 0.1],
      [0.2, 0.8],
    ],
  );
  const b = member(
    'b',
    ['Dog', 'Cat'],
    [
      [0.3, 0.7],
      [0.6, 0.4],
    ],
  );

  it('reports each member beside the combined answer on request', async () => {
    const [p] = (await ensemble([a, b], { strategy: 'soft' }).predict(['x'], { members: true })) as Prediction[];
    expect(p!.label).toBe('cat'); // (0.9 + 0.7) / 2 = 0.8
    expect(p!.score).toBeCloseTo(0.8);
    expect(p!.members?.b?.label).toBe('cat');
    expect(p!.answered).toEqual(['a', 'b']);
  });

  it('leaves out a member that misses its deadline and says so', async () => {
    vi.useFakeTimers();
    const slow = member('slow', ['cat', 'dog'], [[0, 1]], Infinity);
    const e = buildEnsemble(
      'e',
      1,
      ModelConfigSchema.parse({ ensemble: { members: ['a', 'b', { model: 'slow', timeoutMs: 20 }], quorum: 2 } }),
      (n) => ({ a, b, slow })[n as 'a'],
    );
    let answer: unknown[] | undefined;
    void e.predict(['x'], {}).then((v) => (answer = v));
    await vi.advanceTimersByTimeAsync(19);
    expect(answer).toBeUndefined(); // a and b answered; the ensemble still waits for slow
    await vi.advanceTimersByTimeAsync(1);
    const [p] = answer as Prediction[];
    expect(p!.answered).toEqual(['a', 'b']);
    expect(p!.missing).toEqual([{ member: 'slow', error: expect.stringMatching(/did not answer within 20 ms/) }]);
    expect(p!.label).toBe('cat');
  });

  it('fails with QUORUM_LOST when too few members answer', async () => {
    const broken = member('broken', ['cat', 'dog'], [], 0, 'worker crashed');
    await expect(ensemble([a, broken], { quorum: 2 }).predict(['x'], {})).rejects.toMatchObject({
      code: 'QUORUM_LOST',
      message: expect.stringMatching(/1 of 2 members answered.*broken: worker crashed/),
    });
  });

  it('cascade: a confident first member answers alone; unsure items go to the others', async () => {
    const calls: number[] = [];
    const counting = (m: Servable): Servable => ({
      ...m,
      scoreInstances: (i, o) => {
        calls.push(i.length);
        return m.scoreInstances(i, o);
      },
    });
    const e = ensemble([a, counting(b)], { strategy: 'cascade', threshold: 0.85, quorum: 1 });
    const out = (await e.predict(['sure', 'unsure'], {})) as Prediction[];
    expect(out[0]!.decided_by).toBe('a');
    expect(out[0]!.answered).toEqual(['a']);
    expect(out[1]!.answered).toEqual(['a', 'b']);
    expect(calls).toEqual([1]); // b saw only the unsure item
  });

  it('abstains with its unknown label below the threshold, and shows a member without an opinion as null, not as its first label', async () => {
    const unsure = member('unsure', ['cat', 'dog'], [[0.55, 0.45]]);
    const silent = member('silent', ['cat', 'dog'], [[0, 0]]);
    const e = ensemble([unsure, silent], { quorum: 2, unknown: { below: 0.5 } });
    const [p] = (await e.predict(['x'], { members: true })) as Prediction[];
    expect(p!.label).toBe('und'); // (0.55 + 0) / 2 < 0.5
    expect(p!.score).toBeCloseTo(0.275);
    expect(p!.members?.silent).toMatchObject({ label: null, score: 0 });
    expect(e.describe().ensemble).toMatchObject({ unknown: { label: 'und', below: 0.5 } });
    const [none] = (await ensemble([silent, silent], { quorum: 1 }).predict(['x'], {})) as Prediction[];
    expect([none!.label, none!.score]).toEqual([null, 0]); // no opinion, no 'unknown' configured: no label
  });

  it('max-confidence picks the most confident member', async () => {
    const [p] = (await ensemble([a, b], { strategy: 'max-confidence' }).predict(['x'], {})) as Prediction[];
    expect([p!.label, p!.score]).toEqual(['cat', 0.9]);
  });
});
