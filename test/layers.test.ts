import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { layerModules, layerViolations, specifiersOf, violation } from './support/layers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('layers (docs/architecture.md): core ← model-store ← runtimes ← plugins ← training ← gateway', () => {
  it('no module of a layer imports a layer above it, a leaf (tools, load, examples, test) or the package entry', () => {
    expect(layerModules(ROOT).length).toBeGreaterThan(100);
    expect(layerViolations(ROOT)).toEqual([]);
  });

  it('finds imports of every form', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "import {\n  d,\n  e,\n} from './de.ts';",
      "import './side-effect.ts';",
      "const m = await import('./lazy.ts');",
    ].join('\n');
    expect(specifiersOf(source)).toEqual(['./a.ts', '../b.ts', './c.ts', './de.ts', './side-effect.ts', './lazy.ts']);
  });

  it('refuses upward, sideways-into-a-leaf and self-referencing imports, and allows downward ones', () => {
    expect(violation('runtimes/faceapi/index.ts', '../../tools/onnx/build.ts')).toMatch(/tools\//);
    expect(violation('runtimes/tfjs/backend.ts', '../../model-store/package-file.ts')).toBeUndefined();
    expect(violation('runtimes/tfjs/backend.ts', '../../plugins/registry.ts')).toMatch(/a layer above/);
    expect(violation('core/log.ts', '../gateway/config.ts')).toMatch(/a layer above/);
    expect(violation('gateway/app.ts', '../test/support/gateway.ts')).toMatch(/test\//);
    expect(violation('plugins/registry.ts', '../plugin-api.ts')).toMatch(/repository root/);
    expect(violation('plugins/registry.ts', 'massgate/plugin')).toMatch(/own package/);
    expect(violation('gateway/app.ts', '../core/errors.ts')).toBeUndefined();
    expect(violation('gateway/app.ts', 'hono')).toBeUndefined();
    // Leaves and tests beside the code may import anything.
    expect(violation('tools/eval/run.ts', '../../gateway/config.ts')).toBeUndefined();
    expect(violation('runtimes/runtimes.test.ts', '../tools/onnx/mlp.ts')).toBeUndefined();
  });
});
