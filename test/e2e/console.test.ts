import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, pageProblems } from '../support/browser.ts';
import { getJson, postJson, startGateway, type JsonBody, type RunningGateway } from '../support/gateway.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const MODELS = here('../../models');
/** The README's screenshots, rewritten by every run of this file. */
const SHOTS = here('../../docs/console');
const CHELSEA = here('../fixtures/images/chelsea.jpg');
const LAPTOP = { width: 1366, height: 900 };
/** How long to wait for something the page shows after its next refreshes (it polls every 2 s). */
const REFRESHED = { timeout: 20_000, interval: 100 };

/** A copy of the default store (every model folder of models/): experiments changed here are not written to models/. */
function defaultStoreCopy(): string {
  const store = tempStore();
  for (const name of readdirSync(MODELS))
    if (!name.startsWith('.') && statSync(join(MODELS, name)).isDirectory())
      cpSync(join(MODELS, name), join(store, name), { recursive: true });
  return store;
}

/** Every form control the keyboard reaches has an accessible name: its text, a label or aria-label. */
async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, input, select, textarea, a[href]')]
      .filter((el) => !(el as HTMLElement).closest('[hidden]'))
      .filter((el) => {
        const labelled = (el as HTMLInputElement).labels?.length ?? 0;
        const text = (el.textContent ?? '').trim();
        return !labelled && !text && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby');
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

/** The v1 answer for one uploaded file. */
async function predictFile(url: string, model: string, file: string, field = 'image'): Promise<JsonBody> {
  const form = new FormData();
  form.append(field, new Blob([readFileSync(file)]), 'upload');
  const res = await fetch(`${url}/v1/models/${model}:predict`, { method: 'POST', body: form });
  expect(res.status).toBe(200);
  return res.json();
}

describe('the service console in headless chromium, over the default store', () => {
  let gw: RunningGateway;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    browser = await launchChromium(); // first: a machine without chromium fails here, before the models load
    gw = await startGateway({ MODEL_STORE: defaultStoreCopy() });
    page = await browser.newPage({ viewport: LAPTOP });
    problems = pageProblems(page);
    mkdirSync(SHOTS, { recursive: true });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('loads with no console errors and lists exactly the rows of the repository index', async () => {
    const res = await page.goto(`${gw.url}/console`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toMatch(/default-src 'self'/);
    const index = (await postJson(`${gw.url}/v2/repository/index`, {})).body as JsonBody[];
    expect(index.length).toBeGreaterThanOrEqual(19);
    await page.waitForFunction((n) => document.querySelectorAll('table.models tbody tr').length === n, index.length);
    const rows = await page.$$eval('table.models tbody tr', (trs) =>
      trs.map((tr) => {
        const d = (tr as HTMLElement).dataset;
        return { name: d.name, version: d.version || undefined, state: d.state };
      }),
    );
    expect(rows).toEqual(index.map((r) => ({ name: r.name, version: r.version, state: r.state })));
    // Runtime, provider, instances and licence come from each version's metadata.
    const fasttext = page.locator('table.models tr[data-name="lang-fasttext"]');
    await expect.poll(() => fasttext.textContent(), REFRESHED).toContain('CC BY-SA 3.0');
    expect(await fasttext.textContent()).toMatch(/fasttext.*wasm.*1 \/ 1/);
    expect(await unnamedControls(page)).toEqual([]);
    // Usable at a small laptop's width: only the tables scroll sideways, never the page.
    await page.setViewportSize({ width: 1024, height: 768 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.setViewportSize(LAPTOP);
    expect(problems).toEqual([]);
  });

  it('try it: an uploaded image gets the same top label as the API gives', async () => {
    const api = await predictFile(gw.url, 'nsfw-mobilenet-v2', CHELSEA);
    await page.goto(`${gw.url}/console#/models/nsfw-mobilenet-v2`);
    await page.locator('.tryit input[type=file]').setInputFiles(CHELSEA);
    const bars = page.locator('.tryit .bars');
    await bars.waitFor();
    expect(await bars.getAttribute('data-top-label')).toBe(api.predictions[0].label);
    expect(await page.locator('.tryit .bars li').count()).toBe(5);
    await page.screenshot({ path: join(SHOTS, 'model.png') });
    expect(problems).toEqual([]);
  });

  it('try it: a typed text is classified as the API classifies it', async () => {
    const text = 'Das Wetter ist heute herrlich und wir machen einen langen Spaziergang im Park.';
    const api = (await postJson(`${gw.url}/v1/models/lang-fasttext:predict`, { instances: [text] })).body;
    expect(api.predictions[0].label).toBe('de');
    await page.goto(`${gw.url}/console#/models/lang-fasttext`);
    await page.getByLabel('Text (Ctrl+Enter sends)').fill(text);
    await page.getByRole('button', { name: 'Predict' }).click();
    await page.locator('.tryit .bars').waitFor();
    expect(await page.locator('.tryit .bars').getAttribute('data-top-label')).toBe('de');
    expect(problems).toEqual([]);
  });

  it('an experiment weight changed in the page is what the API routes by', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `user-${i}`);
    /** The variant each sticky key is routed to (rendezvous hashing: the same key and weights, the same variant). */
    const routed = async () => {
      const variants: string[] = [];
      for (const key of keys) {
        const r = await fetch(`${gw.url}/v1/models/lang-ab:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-user-id': key },
          body: JSON.stringify({ instances: ['Il a plu toute la nuit.'] }),
        });
        variants.push(((await r.json()) as JsonBody).variant);
      }
      return variants;
    };
    const before = await routed();
    await page.goto(`${gw.url}/console#/experiments/lang-ab`);
    const weight = page.getByLabel('Weight of variant cld3');
    await expect.poll(() => weight.inputValue(), REFRESHED).toBe('10');
    await page.getByLabel('Weight of variant fasttext').fill('50');
    await weight.fill('50');
    await page.getByRole('button', { name: 'Save weights' }).click();
    await expect.poll(() => page.locator('#status').textContent(), REFRESHED).toContain('weights of lang-ab saved');

    const exp = (await getJson(`${gw.url}/v1/experiments/lang-ab`)).body;
    expect(exp.variants.map((v: JsonBody) => [v.name, v.weight])).toEqual([
      ['fasttext', 50],
      ['cld3', 50],
      ['ensemble', 1],
    ]);
    expect(exp.shares).toEqual({ fasttext: 0.5, cld3: 0.5 });
    const after = await routed();
    const cld3 = (vs: string[]) => vs.filter((v) => v === 'cld3').length;
    expect(cld3(after)).toBeGreaterThan(cld3(before));
    // Only keys that had to move moved: every key on cld3 before is still there.
    expect(keys.every((_, i) => before[i] !== 'cld3' || after[i] === 'cld3')).toBe(true);
    // The page's figures follow the traffic just sent.
    const requests = page.locator('[data-fig="cld3:requests"]');
    await expect.poll(async () => Number(await requests.textContent()), REFRESHED).toBe(cld3(before) + cld3(after));
    await page.screenshot({ path: join(SHOTS, 'experiment.png') });
    expect(problems).toEqual([]);
  });

  it('a chart updates after traffic to a model', async () => {
    await page.goto(`${gw.url}/console`);
    /** The largest throughput the chart shows per model, in its window. */
    const most = async () =>
      JSON.parse((await page.locator('[data-chart="throughput"]').getAttribute('data-max')) ?? '{}') as Record<
        string,
        number | null
      >;
    await expect.poll(async () => Object.keys(await most()).length, REFRESHED).toBeGreaterThan(0);
    expect(await most()).not.toHaveProperty('code-language'); // no traffic yet: not among the busiest
    const code = 'def add(a, b):\n    return a + b\n\nprint(add(2, 3))\n';
    for (let i = 0; i < 12; i++)
      expect(
        (await postJson(`${gw.url}/v1/models/code-language:predict`, { instances: [`${code}# ${i}`] })).status,
      ).toBe(200);
    await expect.poll(async () => (await most())['code-language'] ?? 0, REFRESHED).toBeGreaterThan(0);
    const line = page.locator('[data-chart="throughput"] path[data-series="code-language"]');
    expect(await line.getAttribute('d')).toMatch(/^M/);
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('a refused action says why, in the gateway’s words', async () => {
    const form = new FormData();
    form.append('options', '{}');
    const refused = await fetch(`${gw.url}/v1/models/emotion-faceapi/finetune`, { method: 'POST', body: form });
    const { error, code } = (await refused.json()) as JsonBody;
    expect(code).toBe('NOT_TRAINABLE');
    await page.goto(`${gw.url}/console#/jobs?model=emotion-faceapi`);
    await expect
      .poll(() => page.getByRole('combobox', { name: 'Model', exact: true }).inputValue(), REFRESHED)
      .toBe('emotion-faceapi');
    await page.getByRole('button', { name: 'Start fine-tuning' }).click();
    const alert = page.locator('#alerts .notice.error');
    await alert.waitFor();
    expect(await alert.getAttribute('data-code')).toBe('NOT_TRAINABLE');
    expect(await alert.textContent()).toContain(`Fine-tune emotion-faceapi: refused. ${error}`);
  });
});

describe('the console with API keys', () => {
  const ADMIN = 'admin-0123456789abcdef0123456789';
  const INFER = 'infer-0123456789abcdef0123456789';
  let gw: RunningGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    const store = tempStore();
    writeModel(store, 'scale', 1, scaleSumModel(2));
    gw = await startGateway({ MODEL_STORE: store, API_KEYS: `admin:${ADMIN},infer:${INFER}` });
    page = await browser.newPage({ viewport: LAPTOP });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('serves the page without a key, but shows nothing until it is given an admin key; an infer key is refused', async () => {
    expect((await fetch(`${gw.url}/v1/metrics/history`)).status).toBe(401);
    expect((await fetch(`${gw.url}/console/main.js`)).status).toBe(200);
    await page.goto(`${gw.url}/console`);
    const form = page.locator('#key-form');
    await form.waitFor();
    expect(await page.locator('#key-why').textContent()).toMatch(/needs an admin key/);
    expect(await page.locator('table.models tbody tr').count()).toBe(0);
    await page.getByRole('textbox', { name: 'Admin key' }).fill(INFER);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await expect.poll(() => page.locator('#key-why').textContent(), { timeout: 20_000 }).toMatch(/not an admin key/);
    await page.getByRole('textbox', { name: 'Admin key' }).fill(ADMIN);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.locator('table.models tr[data-name="scale"][data-state="READY"]').waitFor();
    expect(await form.isHidden()).toBe(true);
  });

  it('try it: a tensor model takes an Open Inference Protocol request as JSON', async () => {
    await page.goto(`${gw.url}/console#/models/scale`);
    const request = page.getByLabel('Inference request (Open Inference Protocol v2 JSON)');
    await request.waitFor();
    const body = JSON.parse(await request.inputValue());
    expect(body.inputs.map((i: JsonBody) => [i.name, i.shape])).toEqual([
      ['x', [1, 4]],
      ['ids', [1, 2]],
    ]);
    body.inputs[0].data = [1, 2, 3, 4];
    await request.fill(JSON.stringify(body));
    await page.getByRole('button', { name: 'Infer' }).click();
    const outputs = page.locator('.tryit pre.outputs');
    await outputs.waitFor();
    const shown = JSON.parse((await outputs.textContent()) ?? '[]') as JsonBody[];
    const direct = await fetch(`${gw.url}/v2/models/scale/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify(body),
    });
    expect(shown).toEqual(((await direct.json()) as JsonBody).outputs);
  });
});
