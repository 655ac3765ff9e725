import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { postJson, getJson, useGateway } from '../support/gateway.ts';
import { FACE_CROP, faceless, marks, withFaces, type Box } from '../support/face-images.ts';

const crop = FACE_CROP.toString('base64');
const coffee = readFileSync(new URL('../fixtures/images/coffee.png', import.meta.url)).toString('base64');
const MODELS = ['emotion-faceapi', 'emotion-human'];

describe('facial expression: a face detector, then face-api (rebuilt on ONNX) and Human (TensorFlow.js), and their ensemble', () => {
  const gw = useGateway({ LOAD_MODELS: 'face-detector,emotion-faceapi,emotion-human,emotion-ensemble' });
  // Pictures made now: the smiling astronaut's face pasted on a gradient (once, twice), and the gradient alone.
  let one: { b64: string; boxes: Box[] };
  let two: { b64: string; boxes: Box[] };
  let none: string;
  beforeAll(async () => {
    const [a, b, c] = await Promise.all([
      withFaces(640, 420, [[380, 110]], 150),
      withFaces(
        900,
        500,
        [
          [60, 150],
          [600, 80],
        ],
        180,
      ),
      faceless(),
    ]);
    one = { b64: a.jpeg.toString('base64'), boxes: a.boxes };
    two = { b64: b.jpeg.toString('base64'), boxes: b.boxes };
    none = c.toString('base64');
  });

  it('each model finds the face in a photo, says where it is, and sees it as happy', async () => {
    for (const model of MODELS) {
      const r = await postJson(`${gw.url}/v1/models/${model}:predict`, { instances: [one.b64] });
      expect(r.status).toBe(200);
      const p = r.body.predictions[0];
      expect(p.faces).toHaveLength(1);
      const [face] = p.faces;
      expect(marks(face.box, one.boxes[0]!), `${model}: box ${face.box}`).toBe(true);
      expect(face.detection_score).toBeGreaterThanOrEqual(0.75);
      expect(face).toMatchObject({ label: 'happy' });
      expect(face.score).toBeGreaterThan(0.8);
      // The top-level answer is the largest face's.
      expect({ label: p.label, score: p.score, top_k: p.top_k }).toEqual({
        label: face.label,
        score: face.score,
        top_k: face.top_k,
      });
    }
  });

  it('a picture without a face answers "no face", not an emotion (a gradient made now; the coffee cup of the issue)', async () => {
    for (const model of [...MODELS, 'emotion-ensemble', 'face-detector']) {
      const r = await postJson(`${gw.url}/v1/models/${model}:predict`, { instances: [none, coffee] });
      expect(r.status).toBe(200);
      for (const p of r.body.predictions) {
        expect(p.faces).toEqual([]);
        expect(p.no_face).toBe(true);
        expect(p.label ?? null).toBeNull();
        expect(p.top_k).toBeUndefined();
      }
    }
  });

  it('finds every face of a group picture, largest first, each with its own answer', async () => {
    const r = await postJson(`${gw.url}/v1/models/emotion-human:predict`, { instances: [two.b64] });
    const faces: Array<{ box: number[] }> = r.body.predictions[0].faces;
    expect(faces).toHaveLength(2);
    // The 180-pixel faces were pasted at x = 60 and x = 600: each is marked by one box.
    for (const pasted of two.boxes) expect(faces.filter((f) => marks(f.box, pasted))).toHaveLength(1);
    const area = (b: number[]) => (b[2]! - b[0]!) * (b[3]! - b[1]!);
    expect(area(faces[0]!.box)).toBeGreaterThanOrEqual(area(faces[1]!.box));
  });

  it('a caller that already cropped sends "detect": false, or gives the face\'s box', async () => {
    for (const model of MODELS) {
      const r = await postJson(`${gw.url}/v1/models/${model}:predict`, {
        instances: [
          { b64: crop, detect: false },
          { b64: one.b64, box: one.boxes[0] },
        ],
      });
      expect(r.status).toBe(200);
      for (const p of r.body.predictions) {
        expect(p.faces).toBeUndefined();
        expect(p.label).toBe('happy');
        expect(p.score).toBeGreaterThan(0.8);
      }
    }
    const bad = await postJson(`${gw.url}/v1/models/emotion-human:predict`, {
      instances: [{ b64: crop, box: [500, 500, 600, 600] }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/outside the 112×112 image/);
  });

  it('over v2, the faces output carries one JSON document per image', async () => {
    const r = await postJson(`${gw.url}/v2/models/emotion-faceapi/infer`, {
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], data: [one.b64, none] }],
      outputs: [{ name: 'faces' }],
    });
    expect(r.status).toBe(200);
    const [found, empty] = r.body.outputs[0].data.map((d: string) => JSON.parse(d));
    expect(found.faces).toHaveLength(1);
    expect(found.faces[0].probabilities).toHaveLength(7);
    expect(marks(found.faces[0].box, one.boxes[0]!)).toBe(true);
    expect(empty).toEqual({ faces: [] });
  });

  it('the ensemble spans two runtimes, aligns differently ordered and spelled labels, and votes per face', async () => {
    const [a, b] = await Promise.all([
      getJson(`${gw.url}/v2/models/emotion-faceapi`),
      getJson(`${gw.url}/v2/models/emotion-human`),
    ]);
    expect(a.body.parameters).toMatchObject({ runtime: 'faceapi', plugin: 'face-classifier' });
    expect(b.body.parameters).toMatchObject({ runtime: 'tfjs', plugin: 'face-classifier' });
    const meta = await getJson(`${gw.url}/v2/models/emotion-ensemble`);
    expect(meta.body.parameters.ensemble.detector).toBe('face-detector');
    expect(meta.body.parameters.labels).toEqual([
      'neutral',
      'happy',
      'sad',
      'angry',
      'fearful',
      'disgusted',
      'surprised',
    ]);
    const r = await postJson(`${gw.url}/v1/models/emotion-ensemble:predict`, {
      instances: [two.b64, { b64: crop, detect: false }],
      parameters: { members: true },
    });
    expect(r.status).toBe(200);
    const [group, cropped] = r.body.predictions;
    expect(group.faces).toHaveLength(2);
    for (const face of group.faces) {
      expect(face.label).toBe('happy');
      expect(face.answered).toEqual(['emotion-faceapi', 'emotion-human']);
      expect(face.members['emotion-human'].label).toBe('happy');
      expect(two.boxes.some((pasted) => marks(face.box, pasted))).toBe(true);
    }
    expect(cropped).toMatchObject({ label: 'happy', answered: ['emotion-faceapi', 'emotion-human'] });
    expect(cropped.faces).toBeUndefined();
  });
});
