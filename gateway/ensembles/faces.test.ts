import { describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../model-store/schema.ts';
import type { Scores, Servable } from '../models/servable.ts';
import { buildEnsemble } from './ensemble-model.ts';

const LABELS = ['happy', 'sad'];

/** A stand-in served by `plugin`: the ensemble's logic under test, not a model. */
function servable(name: string, plugin: string, parts: Partial<Servable> = {}): Servable {
  return {
    name,
    version: 1,
    platform: 'test',
    config: ModelConfigSchema.parse({}),
    labels: LABELS,
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [-1] }],
    outputs: [],
    infer: async () => ({}),
    predict: async () => [],
    scoreInstances: async () => ({ labels: LABELS, scores: [] }),
    scoreTensors: async () => ({ labels: LABELS, scores: [] }),
    describe: () => ({ modality: 'image', plugin }),
    close: async () => {},
    ...parts,
  };
}

/** A member that says 'happy' for a face box starting left of x = 100, else 'sad', and records what it was asked. */
function member(name: string, asked: unknown[][]): Servable {
  return servable(name, 'face-classifier', {
    async scoreInstances(instances): Promise<Scores> {
      asked.push([...instances]);
      return {
        labels: LABELS,
        scores: instances.map((i) => {
          const box = (i as { box?: number[] }).box;
          return box && box[0]! >= 100 ? [0.2, 0.8] : [0.9, 0.1];
        }),
      };
    },
  });
}

describe('an ensemble voting per face', () => {
  const detections: unknown[][] = [];
  const detector = servable('faces', 'face-detector', {
    async predict(instances) {
      detections.push([...instances]);
      return instances.map((i) =>
        i === 'two faces'
          ? {
              faces: [
                { box: [150, 0, 170, 20], score: 0.9 }, // the smaller face, found first
                { box: [10, 10, 50, 50], score: 0.8 },
              ],
            }
          : { faces: [], no_face: true },
      );
    },
  });
  const asked: unknown[][] = [];
  const models = new Map([detector, member('a', asked), member('b', asked)].map((m) => [m.name, m]));
  const ensemble = (cfg: Record<string, unknown> = {}) =>
    buildEnsemble(
      'e',
      1,
      ModelConfigSchema.parse({ ensemble: { members: ['a', 'b'], detector: 'faces', ...cfg } }),
      (n) => {
        const m = models.get(n);
        if (!m) throw new Error(`no model '${n}'`);
        return m;
      },
    );

  it('finds the faces once, sends every member each face as {image, box}, and answers per face, largest first', async () => {
    detections.length = 0;
    asked.length = 0;
    const [two, none, crop] = (await ensemble().predict(['two faces', 'no face', { b64: 'a crop', detect: false }], {
      top_k: 1,
    })) as Array<Record<string, unknown>>;
    expect(detections).toEqual([['two faces', 'no face']]); // the crop is not searched
    expect(asked).toHaveLength(2);
    for (const instances of asked)
      expect(instances).toEqual([
        { image: 'two faces', box: [10, 10, 50, 50] },
        { image: 'two faces', box: [150, 0, 170, 20] },
        { b64: 'a crop', detect: false },
      ]);
    expect(two).toMatchObject({
      label: 'happy',
      faces: [
        { box: [10, 10, 50, 50], detection_score: 0.8, label: 'happy', answered: ['a', 'b'] },
        { box: [150, 0, 170, 20], detection_score: 0.9, label: 'sad', top_k: [{ label: 'sad' }] },
      ],
    });
    expect(none).toEqual({ label: null, faces: [], no_face: true });
    expect(crop).toMatchObject({ label: 'happy', answered: ['a', 'b'] });
    expect(crop!.faces).toBeUndefined();
  });

  it('asks no member when no image has a face', async () => {
    asked.length = 0;
    expect(await ensemble().predict(['no face'], {})).toEqual([{ label: null, faces: [], no_face: true }]);
    expect(asked).toEqual([]);
  });

  it('is refused at start-up when its detector is missing or a member cannot vote per face', () => {
    expect(() => ensemble({ detector: 'nope' })).toThrow(/detector 'nope' is not available/);
    expect(() => ensemble({ detector: 'a' })).toThrow(/not served by plugin 'face-detector'/);
    models.set('c', servable('c', 'image-classifier'));
    expect(() => ensemble({ members: ['a', 'c'] })).toThrow(/member 'c' is not served by plugin 'face-classifier'/);
  });
});
