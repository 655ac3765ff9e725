import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlugins } from './registry.ts';
import { runtimeNames } from '../runtimes/registry.ts';

/** A plugin module in plain JavaScript: `header` goes first, `fields` into the plugin object. */
const pluginModule = (name: string, header = '', fields = '') => `${header}
export const plugin = {
  name: '${name}', modality: 'tensor', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }], ${fields}
  parseInstance: (i) => i, fromTensors: () => [], preprocess: async () => ({}), postprocess: () => [],
};
`;

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A folder holding `files`, for a PLUGINS source. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'massgate-plugin-'));
  made.push(dir);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

describe('loadPlugins: declared massgate versions (checked at start-up, as fastify-plugin does)', () => {
  it('loads a module whose range this gateway satisfies, module-wide or per plugin', async () => {
    const a = folder({ 'index.js': pluginModule('fits-a', "export const massgate = '^0.1.0';") });
    const b = folder({ 'index.js': pluginModule('fits-b', '', "massgate: '>=0.1 <1',") });
    const registry = await loadPlugins([a, b], runtimeNames());
    expect(registry.names()).toEqual(expect.arrayContaining(['fits-a', 'fits-b']));
  });

  it('refuses a module that declares a range this gateway is outside, naming the source', async () => {
    const dir = folder({ 'index.js': pluginModule('too-new', "export const massgate = '^9.0.0';") });
    await expect(loadPlugins([dir], runtimeNames())).rejects.toMatchObject({
      code: 'PLUGIN_INVALID',
      message: expect.stringMatching(
        new RegExp(`plugin source '${dir}' needs massgate \\^9\\.0\\.0; this gateway is 0\\.1\\.\\d`),
      ),
    });
  });

  it('refuses a plugin that declares a range this gateway is outside, naming the plugin', async () => {
    const dir = folder({ 'index.js': pluginModule('too-old', '', "massgate: '<0.1',") });
    await expect(loadPlugins([dir], runtimeNames())).rejects.toMatchObject({
      code: 'PLUGIN_INVALID',
      message: expect.stringContaining(`plugin 'too-old' (${dir}) needs massgate <0.1`),
    });
  });

  it('refuses a declaration that is not a semver range', async () => {
    const dir = folder({ 'index.js': pluginModule('odd', "export const massgate = 'latest';") });
    await expect(loadPlugins([dir], runtimeNames())).rejects.toMatchObject({
      code: 'PLUGIN_INVALID',
      message: expect.stringContaining('not a semver range'),
    });
  });
});

describe('loadPlugins: sources', () => {
  it('takes a folder with a package.json at its entry (exports), not at an index file', async () => {
    const dir = folder({
      'package.json': JSON.stringify({ name: 'p', type: 'module', exports: { '.': { import: './lib/main.js' } } }),
      'lib/main.js': pluginModule('from-exports'),
      'index.js': pluginModule('from-index'),
    });
    const registry = await loadPlugins([dir], runtimeNames());
    expect(registry.names()).toContain('from-exports');
    expect(registry.names()).not.toContain('from-index');
  });

  it('names a source that does not exist or exports nothing usable', async () => {
    await expect(loadPlugins(['./no-such-folder'], runtimeNames())).rejects.toMatchObject({
      code: 'PLUGIN_INVALID',
      message: expect.stringContaining('does not exist'),
    });
    const empty = folder({ 'index.js': 'export const nothing = 1;\n' });
    await expect(loadPlugins([empty], runtimeNames())).rejects.toMatchObject({
      message: expect.stringContaining('exports no plugin or runtime'),
    });
  });
});
