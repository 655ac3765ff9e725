import { z } from 'zod';
import { decodeImage, definePlugin, invalidInput, toFloat, type Tensor } from 'massgate/plugin';

/**
 * An external plugin, loaded with `PLUGINS=./examples/image-stats`: the mean colour of an image.
 * Its model (store/image-stats/1/model.onnx, made by make-model.ts) averages each channel of a
 * 32×32 thumbnail; the plugin turns that into {red, green, blue, brightness} in 0–255.
 */
export const imageStats = definePlugin<string | Uint8Array, { size: number }>({
  name: 'image-stats',
  modality: 'image',
  description: 'Mean colour and brightness of an image',
  runtime: 'onnx',
  params: z.object({ size: z.number().int().positive().default(32) }).strict(),
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [-1] }],
  example: { b64: '<base64 image>' },
  parseInstance(instance) {
    if (typeof instance === 'string' || instance instanceof Uint8Array) return instance;
    if (typeof instance === 'object' && instance !== null && typeof (instance as { b64?: unknown }).b64 === 'string')
      return (instance as { b64: string }).b64;
    throw invalidInput('an instance is a base64 image string or {"b64": "…"}');
  },
  fromTensors: (inputs) => (inputs.image?.data as Uint8Array[] | undefined) ?? [],
  async preprocess(items, ctx) {
    const n = ctx.params.size;
    const data = new Float32Array(items.length * 3 * n * n);
    await Promise.all(
      items.map(async (item, i) => {
        const img = await decodeImage(item, { width: n, height: n });
        toFloat(img.rgb, n, n, 'nchw', [0, 0, 0], [1, 1, 1], data, i * 3 * n * n);
      }),
    );
    const input = ctx.inputs[0]!.name;
    return { [input]: { name: input, datatype: 'FP32', shape: [items.length, 3, n, n], data } as Tensor };
  },
  postprocess(outputs) {
    const mean = Object.values(outputs)[0]!.data as Float32Array;
    return Array.from({ length: mean.length / 3 }, (_, i) => {
      const [r, g, b] = [mean[i * 3]! * 255, mean[i * 3 + 1]! * 255, mean[i * 3 + 2]! * 255];
      return {
        red: Math.round(r),
        green: Math.round(g),
        blue: Math.round(b),
        brightness: Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b),
      };
    });
  },
});
