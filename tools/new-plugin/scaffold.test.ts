import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaffoldPlugin } from './scaffold.ts';
import { startGateway, postJson, type RunningGateway } from '../../test/support/gateway.ts';

describe('new-plugin scaffold', () => {
  const root = mkdtempSync(join(process.cwd(), '.scaffold-test-'));
  const dir = join(root, 'doubler');
  let gw: RunningGateway;
  beforeAll(async () => {
    scaffoldPlugin('doubler', dir);
    gw = await startGateway({ MODEL_STORE: join(dir, 'store'), PLUGINS: dir });
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes a plugin, its test, a model in its own store and a README', () => {
    for (const f of [
      'index.ts',
      'doubler.test.ts',
      'store/doubler/config.json',
      'store/doubler/1/model.onnx',
      'README.md',
    ])
      expect(existsSync(join(dir, f)), f).toBe(true);
  });

  it('imports the plugin API by the package name, never the repository internals, and declares its massgate range', () => {
    const code = readFileSync(join(dir, 'index.ts'), 'utf8') + readFileSync(join(dir, 'doubler.test.ts'), 'utf8');
    expect(code).toContain("from 'massgate/plugin'");
    expect(code).toContain("from 'massgate/plugin/testing'");
    expect(code).not.toMatch(/from '\.\.\//); // nothing reached by a path into the repository
    expect(readFileSync(join(dir, 'index.ts'), 'utf8')).toMatch(/export const massgate = '\^0\.1\.0';/);
  });

  it('is served by the real gateway out of the box, and validates its input', async () => {
    const ok = await postJson(`${gw.url}/v1/models/doubler:predict`, {
      instances: [
        [1, 2, 3, 4],
        [0.5, 0, 0, 1],
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.predictions).toEqual([{ doubled: [2, 4, 6, 8] }, { doubled: [1, 0, 0, 2] }]);
    const bad = await postJson(`${gw.url}/v1/models/doubler:predict`, { instances: ['x'] });
    expect(bad.status).toBe(400);
  });

  it('refuses bad names and existing folders', () => {
    expect(() => scaffoldPlugin('Bad Name', join(root, 'x'))).toThrow(/lower-case/);
    expect(() => scaffoldPlugin('doubler', dir)).toThrow(/already exists/);
    expect(() => scaffoldPlugin('outside', join(tmpdir(), 'massgate-outside-plugin'))).toThrow(
      /outside the repository/,
    );
  });
});
