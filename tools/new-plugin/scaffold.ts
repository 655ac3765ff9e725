import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel } from '../../runtimes/onnx/writer/build.ts';
import { PACKAGE_VERSION } from '../../core/package-root.ts';
import { isInside } from '../../core/paths.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/**
 * Writes a working plugin skeleton to `<dir>`: the plugin (index.ts), its conformance and end-to-end
 * test, a tiny ONNX model in its own store (store/<name>/1/model.onnx with config.json) and a README.
 * The skeleton serves `{"instances": [[1, 2, 3, 4]]}` → `{"doubled": [2, 4, 6, 8]}`; replace the model
 * and the three marked functions with your own. It imports `massgate/plugin` and `massgate/plugin/testing`
 * by the package's own name, which resolves inside this repository only: `dir` must lie in it.
 *
 * @example scaffoldPlugin('sentiment', './sentiment')
 */
export function scaffoldPlugin(name: string, dir: string): string[] {
  if (!/^[a-z][a-z0-9-]*$/.test(name))
    throw new Error(`plugin names are lower-case letters, digits and '-' (got '${name}')`);
  const target = resolve(dir);
  if (!isInside(ROOT, target))
    throw new Error(
      `${target} is outside the repository (${ROOT}): a plugin imports massgate/plugin, which resolves inside it only`,
    );
  if (existsSync(join(target, 'index.ts'))) throw new Error(`${target}/index.ts already exists`);
  mkdirSync(join(target, 'store', name, '1'), { recursive: true });
  const id = pascal(name);
  const files: Record<string, string | Uint8Array> = {
    'index.ts': `import { z } from 'zod';
import { definePlugin, invalidInput, type Tensor } from 'massgate/plugin';

/** The Massgate versions this plugin works with (npm semver range), checked when the gateway starts. */
export const massgate = '^${PACKAGE_VERSION.split('.').slice(0, 2).join('.')}.0';

type Item = number[];

/**
 * ${name}: load with PLUGINS=${relative(process.cwd(), target) || '.'} and a model whose config.json says "plugin":
 * "${name}".
 */
export const plugin${id} = definePlugin<Item, { width: number }>({
  name: '${name}',
  modality: 'tensor',
  description: 'TODO: what this model does',
  runtime: 'onnx',
  params: z.object({ width: z.number().int().positive().default(4) }).strict(),
  inputs: [{ name: 'values', datatype: 'FP32', shape: [-1, -1] }],
  example: [1, 2, 3, 4],
  // TODO 1: turn one friendly-API instance into an item; throw invalidInput(...) for bad input.
  parseInstance(instance, ctx) {
    if (!Array.isArray(instance) || instance.length !== ctx.params.width || !instance.every((v) => typeof v === 'number')) {
      throw invalidInput(\`an instance is an array of \${ctx.params.width} numbers\`);
    }
    return instance as Item;
  },
  fromTensors(inputs, ctx) {
    const t = inputs.values;
    if (!t || t.shape[1] !== ctx.params.width) throw invalidInput(\`expected FP32 'values' of shape [-1, \${ctx.params.width}]\`);
    const data = Array.from(t.data as Float32Array);
    return Array.from({ length: t.shape[0]! }, (_, i) => data.slice(i * ctx.params.width, (i + 1) * ctx.params.width));
  },
  // TODO 2: items → the model's input tensors (first dimension = number of items).
  async preprocess(items, ctx) {
    const input = ctx.inputs[0]!.name;
    return { [input]: { name: input, datatype: 'FP32', shape: [items.length, ctx.params.width], data: Float32Array.from(items.flat()) } as Tensor };
  },
  // TODO 3: the model's outputs → one JSON value per item.
  postprocess(outputs, ctx, items) {
    const y = Object.values(outputs)[0]!.data as Float32Array;
    return items.map((_, i) => ({ doubled: Array.from(y.subarray(i * ctx.params.width, (i + 1) * ctx.params.width)) }));
  },
});
`,
    [`${name}.test.ts`]: `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { contextFor, getRuntime, pluginConformance, postJson, startGateway, type RunningGateway } from 'massgate/plugin/testing';
import { plugin${id} } from './index.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

pluginConformance(plugin${id}, {
  ctx: async () => contextFor(await (await getRuntime('onnx')).load({ path: here('./store/${name}/1/model.onnx') }), { params: { width: 4 } }),
  validInstances: [[1, 2, 3, 4], [0, 0, 0, 1]],
  invalidInstances: ['text', [1, 2], [1, 2, 3, 'x']],
  expectPrediction: (p, i) => expect(p).toEqual({ doubled: i === 0 ? [2, 4, 6, 8] : [0, 0, 0, 2] }),
});

describe('${name} served by the gateway', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MODEL_STORE: here('./store'), PLUGINS: here('.') });
  });
  afterAll(() => gw?.close());

  it('answers over the friendly API', async () => {
    const r = await postJson(\`\${gw.url}/v1/models/${name}:predict\`, { instances: [[1, 2, 3, 4]] });
    expect(r.status).toBe(200);
    expect(r.body.predictions).toEqual([{ doubled: [2, 4, 6, 8] }]);
  });
});
`,
    [`store/${name}/config.json`]: `${JSON.stringify({ description: `${name} (scaffold: a model that doubles its input)`, plugin: name, params: { width: 4 }, license: { name: 'TODO', source: 'TODO: where the weights come from' } }, null, 2)}\n`,
    [`store/${name}/1/model.onnx`]: buildModel({
      inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }],
      outputs: [{ name: 'y', type: 'float32', shape: ['batch', 4] }],
      initializers: [{ name: 'two', type: 'float32', dims: [1], data: new Float32Array([2]) }],
      nodes: [{ op: 'Mul', inputs: ['x', 'two'], outputs: ['y'] }],
    }),
    'README.md': `# ${name}

A Massgate model plugin (scaffolded by \`npm run new-plugin -- ${name}\`).

- \`index.ts\`: the plugin — fill in the three TODOs and replace the model in \`store/${name}/1/\`.
- \`${name}.test.ts\`: the plugin conformance suite and an end-to-end test through the real gateway.
- Serve it: \`PLUGINS=${relative(process.cwd(), target) || '.'} MODEL_STORE=${join(relative(process.cwd(), target) || '.', 'store')} npm run dev\`
  (the TypeScript sources under tsx; \`npm start\` runs the compiled gateway, which imports JavaScript plugins only), then
  \`curl -s localhost:8080/v1/models/${name}:predict -d '{"instances": [[1, 2, 3, 4]]}'\`.

See docs/plugins.md.
`,
  };
  for (const [file, content] of Object.entries(files)) writeFileSync(join(target, file), content);
  return Object.keys(files).map((f) => join(target, f));
}
