import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scanModel } from '../../model-store/scan.ts';
import { tfjsRuntime } from '../../runtimes/tfjs/index.ts';
import { loadInWorker } from '../../runtimes/worker/index.ts';
import type { RuntimeSession } from '../../runtimes/runtime.ts';
import { faceless, iou, marks, withFaces } from '../../test/support/face-images.ts';
import { contextFor, pluginConformance } from '../conformance.ts';
import { decodeForFaces, detectorFeeds, faceDetector } from './detector.ts';
import { facesOf, faceDetectorStep } from './detector-step.ts';

/** The shipped face detector (models/face-detector: BlazeFace from Human's model files). */
const entry = scanModel(fileURLToPath(new URL('../../models', import.meta.url)), 'face-detector');
const params = faceDetector.params!.parse(entry.config.params ?? {});
const fixture = (f: string) => readFileSync(new URL(`../../test/fixtures/images/${f}`, import.meta.url));
let session: Promise<RuntimeSession> | undefined;
const sessions: RuntimeSession[] = [];
afterAll(() => Promise.all(sessions.map((s) => s.dispose())));

pluginConformance(faceDetector, {
  ctx: async () => {
    session ??= tfjsRuntime.load({ path: entry.versions[0]!.path, format: 'tfjs' }).then((s) => {
      sessions.push(s);
      return s;
    });
    return contextFor(await session, { params });
  },
  validInstances: [fixture('astronaut.jpg').toString('base64'), { b64: fixture('coffee.png').toString('base64') }],
  invalidInstances: [42, 'not an image', fixture('truncated.jpg').toString('base64')],
  expectPrediction: (p, i) => {
    // The astronaut's face (README: the 140×140 crop at (160, 40) of the 512-pixel original, here 256 pixels).
    if (i === 0)
      expect(iou((p as { faces: Array<{ box: number[] }> }).faces[0]!.box, [80, 20, 150, 90])).toBeGreaterThan(0.4);
    if (i === 1) expect(p).toEqual({ faces: [], no_face: true });
  },
});

describe('the face detector step, in a worker thread on the real BlazeFace', () => {
  it('finds each face of a picture made now where it was put, and none on a picture without one', async () => {
    const s = await loadInWorker({
      runtime: 'tfjs',
      spec: { path: entry.versions[0]!.path, format: 'tfjs' },
      step: { module: faceDetectorStep.module, export: faceDetectorStep.export, params },
    });
    sessions.push(s);
    const two = await withFaces(
      800,
      500,
      [
        [80, 150],
        [520, 120],
      ],
      160,
    );
    const images = await Promise.all([two.jpeg, await faceless()].map((b) => decodeForFaces(b, 40_000_000)));
    const out = await s.runStep!(await detectorFeeds(images));
    const [found, none] = facesOf(out);
    expect(none).toEqual([]);
    expect(found).toHaveLength(2);
    for (const pasted of two.boxes) expect(found!.some((f) => marks([f.x1, f.y1, f.x2, f.y2], pasted))).toBe(true);
  });
});
