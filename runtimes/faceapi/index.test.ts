import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { packageDir } from '../../core/package-dir.ts';
import { faceapiRuntime } from './index.ts';

const manifest = `${packageDir('@vladmandic/face-api')}/model/face_expression_model-weights_manifest.json`;
const tempFolders = () =>
  readdirSync(tmpdir())
    .filter((f) => f.startsWith('massgate-faceapi-'))
    .sort();

describe('faceapi runtime', () => {
  it('hands the rebuilt graph to onnxruntime as bytes: loading writes no temporary folder', async () => {
    const before = tempFolders();
    for (let i = 0; i < 2; i++) {
      const session = await faceapiRuntime.load({ path: manifest, options: { intraOpNumThreads: 1 } });
      try {
        expect(session.outputs.map((o) => o.name)).toEqual(['probabilities']);
        const out = await session.run({
          image: { name: 'image', datatype: 'FP32', shape: [1, 3, 112, 112], data: new Float32Array(3 * 112 * 112) },
        });
        const p = out.probabilities!.data as Float32Array;
        expect(p).toHaveLength(7);
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      } finally {
        await session.dispose();
      }
    }
    expect(tempFolders()).toEqual(before);
  });
});
