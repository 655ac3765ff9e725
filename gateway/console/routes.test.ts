import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { onError } from '../http/status.ts';
import { readAssets } from './assets.ts';
import { MetricsHistory } from './history.ts';
import { consoleRoutes } from './routes.ts';
import { CONSOLE_DIR } from './index.ts';

function site() {
  const dir = mkdtempSync(join(tmpdir(), 'console-'));
  mkdirSync(join(dir, 'views'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>c</title>');
  writeFileSync(join(dir, 'views', 'a.js'), 'export const a = 1;');
  writeFileSync(join(dir, '.secret.js'), 'no');
  writeFileSync(join(dir, 'notes.txt'), 'no');
  writeFileSync(join(dir, 'types.d.ts'), 'no');
  return dir;
}

describe('console routes', () => {
  const history = new MetricsHistory(new Registry());
  const app = consoleRoutes(readAssets(site()), history);
  app.onError(onError);

  it('serves the page and its files with their type, a validator and a policy that allows only the gateway', async () => {
    const page = await app.request('/console');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const js = await app.request('/console/views/a.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('export const a = 1;');
    const again = await app.request('/console/views/a.js', { headers: { 'if-none-match': js.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect((await app.request('/console/')).headers.get('location')).toBe('/console');
  });

  it('serves nothing but the files read at start: no hidden files, other kinds, or paths out of the folder', async () => {
    for (const path of ['/console/.secret.js', '/console/notes.txt', '/console/types.d.ts', '/console/../package.json'])
      expect((await app.request(path)).status, path).toBe(404);
  });

  it('lists the metrics samples after `since` and refuses a `since` that is not a time', async () => {
    await history.tick(0);
    await history.tick(2000);
    await history.tick(4000);
    const all = await (await app.request('/v1/metrics/history')).json();
    expect(all).toMatchObject({ interval_s: 2, keep: 150 });
    expect(all.samples.map((s: { t: number }) => s.t)).toEqual([2000, 4000]);
    const after = await (await app.request('/v1/metrics/history?since=2000')).json();
    expect(after.samples.map((s: { t: number }) => s.t)).toEqual([4000]);
    const bad = await app.request('/v1/metrics/history?since=yesterday');
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('INVALID_INPUT');
  });

  it("reads the repository's console/ folder: the page, its script and stylesheet", () => {
    const shipped = readAssets(CONSOLE_DIR);
    for (const f of ['index.html', 'main.js', 'console.css']) expect(shipped.has(f), f).toBe(true);
    expect([...shipped.keys()].some((k) => k.endsWith('tsconfig.json'))).toBe(false);
  });
});
