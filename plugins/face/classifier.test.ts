import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readLabels, scanModel } from '../../model-store/scan.ts';
import { tfjsRuntime } from '../../runtimes/tfjs/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { FACE_CROP, marks, withFaces } from '../../test/support/face-images.ts';
import { companionFor, contextFor, pluginConformance } from '../conformance.ts';
import { faceClassifier } from './classifier.ts';
import { faceDetector } from './detector.ts';

/** The shipped emotion-human (Human's emotion model) and the face detector it names (models/face-detector). */
const store = fileURLToPath(new URL('../../models', import.meta.url));
const [emotion, detector] = [scanModel(store, 'emotion-human'), scanModel(store, 'face-detector')];
const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/images/${f}`, import.meta.url));
const picture = await withFaces(640, 400, [[400, 90]], 150);
let sessions: Promise<[RuntimeSession, RuntimeSession]> | undefined;

interface Face {
  box: number[];
  label: string;
}

pluginConformance(faceClassifier, {
  ctx: async () => {
    sessions ??= Promise.all([
      tfjsRuntime.load({ path: emotion.versions[0]!.path, format: 'tfjs' }),
      tfjsRuntime.load({ path: detector.versions[0]!.path, format: 'tfjs' }),
    ]);
    const [model, blazeface] = await sessions;
    const params = faceClassifier.params!.parse(emotion.config.params ?? {});
    return contextFor(model, {
      params,
      labels: readLabels(emotion),
      models: {
        [params.detector]: companionFor(blazeface, {
          plugin: faceDetector as never,
          params: faceDetector.params!.parse(detector.config.params ?? {}),
        }),
      },
    });
  },
  // One face per instance: the model's input has one row per face, which the suite checks against the items.
  validInstances: [
    picture.jpeg.toString('base64'),
    { b64: FACE_CROP.toString('base64'), detect: false },
    { b64: fixture('astronaut.jpg').toString('base64'), box: [86, 37, 139, 90] },
  ],
  invalidInstances: [
    42,
    'not an image',
    { b64: fixture('truncated.jpg').toString('base64'), detect: false },
    { b64: FACE_CROP.toString('base64'), box: [500, 500, 600, 600] },
  ],
  expectPrediction: (p, i) => {
    const answer = p as { label: string; faces?: Face[] };
    if (i === 0) {
      expect(answer.faces).toHaveLength(1);
      expect(marks(answer.faces![0]!.box, picture.boxes[0]!)).toBe(true);
    } else expect(answer.faces).toBeUndefined(); // a crop, or a given box: no detection
    expect(answer.label).toBe('happy');
  },
});
