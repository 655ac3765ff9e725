import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import {
  contextFor,
  getRuntime,
  pluginConformance,
  postJson,
  startGateway,
  type RunningGateway,
} from 'massgate/plugin/testing';
import { imageStats } from './index.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const coffee = readFileSync(here('../../test/fixtures/images/coffee.png'));

pluginConformance(imageStats, {
  ctx: async () =>
    contextFor(await (await getRuntime('onnx')).load({ path: here('./store/image-stats/1/model.onnx') }), {
      params: { size: 32 },
    }),
  validInstances: [coffee.toString('base64'), { b64: coffee.toString('base64') }],
  invalidInstances: [7, { b64: 'bm90IGFuIGltYWdl' }],
});

describe('an external plugin served from outside plugins/', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MODEL_STORE: here('./store'), PLUGINS: here('.') });
  });
  afterAll(() => gw?.close());

  it('is loaded from its folder and answers with the image’s real mean colour', async () => {
    const r = await postJson(`${gw.url}/v1/models/image-stats:predict`, { instances: [coffee.toString('base64')] });
    expect(r.status).toBe(200);
    const small = await sharp(coffee).resize(32, 32, { fit: 'fill' }).removeAlpha().stats();
    const [red, green, blue] = small.channels.map((ch) => ch.mean);
    const p = r.body.predictions[0];
    expect(Math.abs(p.red - red!)).toBeLessThan(2);
    expect(Math.abs(p.green - green!)).toBeLessThan(2);
    expect(Math.abs(p.blue - blue!)).toBeLessThan(2);
    const meta = await (await fetch(`${gw.url}/v2/models/image-stats`)).json();
    expect(meta.parameters.plugin).toBe('image-stats');
  });
});
