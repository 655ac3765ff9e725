import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { startGateway, postJson, getJson, type JsonBody, type RunningGateway } from '../support/gateway.ts';
import { scaleSumModel, tempStore, tinyClassifier, writeModel } from '../support/tiny-models.ts';

const LABELS = ['a', 'b', 'c'];
const x = (row: number[]) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: row }] });

async function send(url: string, method: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as JsonBody };
}

/** The crash-test runtime (test/fixtures): an input of 44 waits while `<model file>.hold` exists. */
const PLUGINS = fileURLToPath(new URL('../fixtures/crash-runtime', import.meta.url));
const HOLD_ON = 44;

describe('experiments and version labels at run time (tiny models, real HTTP)', () => {
  const store = tempStore();
  const env = { MODEL_STORE: store, PLUGINS };
  let gw: RunningGateway;
  beforeAll(async () => {
    // cls v1 answers column order a,b,c; v2 the reverse: which version served shows in the answer.
    writeModel(store, 'cls', 1, tinyClassifier([0, 1, 2], 5), {
      labels: LABELS,
      versionPolicy: { all: {} },
      versionLabels: { stable: 1 },
    });
    writeModel(store, 'cls', 2, tinyClassifier([2, 1, 0], 5));
    writeModel(store, 'other', 1, tinyClassifier([0, 1, 2], 5), { labels: LABELS });
    writeModel(store, 'wide', 1, scaleSumModel());
    writeModel(store, 'held', 1, tinyClassifier([0, 1, 2], 5), {
      labels: LABELS,
      runtime: 'crash-test',
      batching: { maxBatchSize: 0 },
    });
    // An experiment declared in the store, like an ensemble.
    mkdirSync(join(store, 'declared'));
    writeFileSync(
      join(store, 'declared', 'config.json'),
      JSON.stringify({ experiment: { variants: ['cls:1', 'other'] } }),
    );
    gw = await startGateway(env);
  });
  afterAll(() => gw?.close());

  it('labels: set, shown in metadata and the index, resolved in version routes, persisted; a version not loaded is refused', async () => {
    expect((await send(`${gw.url}/v2/repository/models/cls/labels/canary`, 'PUT', { version: 2 })).status).toBe(200);
    const refused = await send(`${gw.url}/v2/repository/models/cls/labels/canary`, 'PUT', { version: 9 });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/no loaded version 9/);
    expect((await send(`${gw.url}/v2/repository/models/cls/labels/9lives`, 'PUT', { version: 1 })).status).toBe(400);
    expect(JSON.parse(readFileSync(join(store, 'cls', 'version-labels.json'), 'utf8'))).toEqual({
      stable: 1,
      canary: 2,
    });
    const meta = await getJson(`${gw.url}/v2/models/cls`);
    expect(meta.body.parameters.version_labels).toEqual({ stable: 1, canary: 2 });
    const index = (await postJson(`${gw.url}/v2/repository/index`, {})).body as Array<{
      name: string;
      version?: string;
      labels?: string[];
    }>;
    expect(index.find((r) => r.name === 'cls' && r.version === '2')?.labels).toEqual(['canary']);
    expect(index.some((r) => r.name === 'declared')).toBe(false); // an experiment folder is not a model
    const r = await postJson(`${gw.url}/v2/models/cls/versions/canary/infer`, x([1, 0, 0]));
    expect(r.body.model_version).toBe('2');
    expect((await postJson(`${gw.url}/v2/models/cls/versions/nolabel/infer`, x([1, 0, 0]))).status).toBe(404);
  });

  it('refuses invalid definitions with a 400 naming the problem, and changes nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'bad', variants: ['cls:1', 'ghost'] }, /variant 'ghost'.*ghost/],
      [{ name: 'bad', variants: ['cls:1', 'wide'] }, /variant 'wide' takes inputs/],
      [{ name: 'bad', variants: ['cls:1', { target: 'other', weight: 0 }] }, /positive/],
      [{ name: 'cls', variants: ['cls:1', 'other'] }, /taken by a model/],
      [{ name: 'bad', variants: ['cls:1', 'cls:1'] }, /duplicate/],
    ];
    for (const [body, message] of cases) {
      const r = await postJson(`${gw.url}/v1/experiments`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatch(message);
    }
    expect((await getJson(`${gw.url}/v1/experiments/bad`)).status).toBe(404);
    expect(existsSync(join(store, '.experiments.json'))).toBe(false);
  });

  it('routes an experiment like a model: sticky by key, attributed in headers and parameters, shadow compared, figures counted', async () => {
    const created = await postJson(`${gw.url}/v1/experiments`, {
      name: 'ab',
      variants: [
        { name: 'old', target: 'cls:1' },
        { name: 'new', target: 'cls@canary' },
        { name: 'mirror', target: 'other', shadow: true },
      ],
    });
    expect(created.status).toBe(201);
    expect((await postJson(`${gw.url}/v1/experiments`, { name: 'ab', variants: ['cls:1'] })).status).toBe(409);
    const seen = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${gw.url}/v2/models/ab/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': `u${i % 10}` },
        body: JSON.stringify(x([1, 0, 0])),
      });
      const body = (await res.json()) as JsonBody;
      const variant = res.headers.get('massgate-variant')!;
      expect(body.parameters.variant).toBe(variant);
      expect(res.headers.get('massgate-request-id')).toBe(body.parameters.request_id);
      expect(body.model_version).toBe(variant === 'old' ? '1' : '2');
      if (seen.has(`u${i % 10}`)) expect(variant).toBe(seen.get(`u${i % 10}`));
      seen.set(`u${i % 10}`, variant);
    }
    expect(new Set(seen.values()).size).toBe(2);
    // The ab_key query parameter is a key too.
    const q1 = await postJson(`${gw.url}/v2/models/ab/infer?ab_key=zed`, x([1, 0, 0]));
    const q2 = await postJson(`${gw.url}/v2/models/ab/infer?ab_key=zed`, x([1, 0, 0]));
    expect(q1.body.parameters.variant).toBe(q2.body.parameters.variant);
    // …and so is `parameters.ab_key` in the body: a key gives the same variant there as in the header.
    for (let i = 0; i < 10; i++) {
      const r = await postJson(`${gw.url}/v2/models/ab/infer`, { ...x([1, 0, 0]), parameters: { ab_key: `u${i}` } });
      expect(r.status).toBe(200);
      expect(r.body.parameters.variant).toBe(seen.get(`u${i}`));
    }
    await vi.waitUntil(
      async () => (await getJson(`${gw.url}/v1/experiments/ab`)).body.figures.mirror.shadow.copies === 52,
      { timeout: 20_000, interval: 10 },
    );
    const f = (await getJson(`${gw.url}/v1/experiments/ab`)).body.figures;
    expect(f.old.requests + f.new.requests).toBe(52);
    expect(f.old.latency_ms.p50).toBeGreaterThan(0);
    expect(f.mirror.shadow.agreed).toBe(f.old.requests); // `other` answers like cls v1, unlike v2
    expect(f.mirror.shadow.disagreed).toBe(f.new.requests);
    expect(f.old.top_labels).toEqual({ a: f.old.requests });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const count = (re: RegExp) => Number(re.exec(metrics)?.[1]);
    expect(
      count(
        /massgate_experiment_request_duration_seconds_count\{experiment="ab",variant="old",outcome="success"\} (\d+)/,
      ),
    ).toBe(f.old.requests);
    expect(
      count(
        /massgate_experiment_shadow_duration_seconds_count\{experiment="ab",variant="mirror",result="agreed"\} (\d+)/,
      ),
    ).toBe(f.mirror.shadow.agreed);
    // Metadata and readiness under the experiment's name: the control's.
    const meta = await getJson(`${gw.url}/v2/models/ab`);
    expect(meta.body.name).toBe('ab');
    expect(meta.body.inputs[0].name).toBe('x');
    expect(meta.body.parameters.experiment.variants.map((v: { name: string }) => v.name)).toEqual([
      'old',
      'new',
      'mirror',
    ]);
    expect((await getJson(`${gw.url}/v2/models/ab/ready`)).status).toBe(200);
  });

  it('the client never waits for a shadow: answers arrive while copies are held, and copies beyond the limit are dropped and counted', async () => {
    expect(
      (
        await postJson(`${gw.url}/v1/experiments`, {
          name: 'held-ab',
          variants: ['cls:1', { target: 'held', shadow: true }],
        })
      ).status,
    ).toBe(201);
    const hold = join(store, 'held', '1', 'model.onnx.hold');
    writeFileSync(hold, '');
    const limit = gw.gateway.config.experiments.shadowLimit;
    for (let i = 0; i < limit + 2; i++) {
      const r = await postJson(`${gw.url}/v2/models/held-ab/infer`, x([HOLD_ON, 0, 0]));
      expect(r.status).toBe(200); // answered while every shadow copy so far is still held
    }
    const f = (await getJson(`${gw.url}/v1/experiments/held-ab`)).body;
    expect(f.figures.held.shadow.copies).toBe(0);
    expect(f.figures.held.shadow.dropped).toBe(2);
    expect(f.shadow_queue.in_flight).toBe(limit);
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toMatch(
      /massgate_experiment_shadow_dropped_total\{experiment="held-ab",variant="held"\} 2/,
    );
    rmSync(hold);
    await vi.waitUntil(
      async () => (await getJson(`${gw.url}/v1/experiments/held-ab`)).body.figures.held.shadow.copies === limit,
      { timeout: 20_000, interval: 10 },
    );
    expect((await getJson(`${gw.url}/v1/experiments/held-ab`)).body.figures.held.shadow.agreed).toBe(limit);
  });

  it('weights, pause and resume change the split at run time', async () => {
    expect((await postJson(`${gw.url}/v1/experiments/ab/weights`, { weights: { old: 0 } })).status).toBe(400);
    expect((await postJson(`${gw.url}/v1/experiments/ab/weights`, { weights: { nope: 1 } })).status).toBe(400);
    expect((await postJson(`${gw.url}/v1/experiments/ab/weights`, { weights: { old: 3, new: 1 } })).status).toBe(200);
    expect((await postJson(`${gw.url}/v1/experiments/ab/pause`, { variant: 'new' })).status).toBe(200);
    for (let i = 0; i < 10; i++)
      expect((await postJson(`${gw.url}/v2/models/ab/infer`, x([1, 0, 0]))).body.parameters.variant).toBe('old');
    expect((await postJson(`${gw.url}/v1/experiments/ab/pause`, { variant: 'old' })).status).toBe(200);
    expect((await postJson(`${gw.url}/v2/models/ab/infer`, x([1, 0, 0]))).status).toBe(503);
    expect((await postJson(`${gw.url}/v1/experiments/ab/resume`, { variant: 'old' })).status).toBe(200);
    expect((await postJson(`${gw.url}/v1/experiments/ab/resume`, { variant: 'new' })).status).toBe(200);
    expect((await getJson(`${gw.url}/v1/experiments/ab`)).body.shares).toEqual({ old: 0.75, new: 0.25 });
  });

  it('feedback credits the variant that served a request, once', async () => {
    const res = await fetch(`${gw.url}/v2/models/ab/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'req-1', ...x([1, 0, 0]) }),
    });
    const variant = res.headers.get('massgate-variant');
    expect(res.headers.get('massgate-request-id')).toBe('req-1');
    expect(res.headers.get('x-request-id')).toBe('req-1'); // one request id: the one in the logs too
    const fb = await postJson(`${gw.url}/v1/experiments/ab/feedback`, { id: 'req-1', reward: 0.5 });
    expect(fb.body).toEqual({ experiment: 'ab', variant, reward: 0.5 });
    expect((await postJson(`${gw.url}/v1/experiments/ab/feedback`, { id: 'req-1', reward: 0.5 })).status).toBe(404);
    expect((await postJson(`${gw.url}/v1/experiments/ab/feedback`, { id: 'x', reward: 2 })).status).toBe(400);
  });

  it('promote moves the stable label and leaves one variant; rollback restores both', async () => {
    const p = await postJson(`${gw.url}/v1/experiments/ab/promote`, { variant: 'new' });
    expect(p.status).toBe(200);
    expect(p.body.label).toEqual({ model: 'cls', label: 'stable', version: 2 });
    expect(p.body.experiment.variants.map((v: { name: string }) => v.name)).toEqual(['new']);
    expect((await getJson(`${gw.url}/v2/models/cls`)).body.parameters.version_labels.stable).toBe(2);
    const r = await postJson(`${gw.url}/v1/experiments/ab/rollback`, {});
    expect(r.status).toBe(200);
    expect(r.body.variants.map((v: { name: string }) => v.name)).toEqual(['old', 'new', 'mirror']);
    expect((await getJson(`${gw.url}/v2/models/cls`)).body.parameters.version_labels.stable).toBe(1);
  });

  it('a store-declared experiment serves; deleted, it stays deleted', async () => {
    const r = await postJson(`${gw.url}/v2/models/declared/infer`, x([1, 0, 0]));
    expect(r.status).toBe(200);
    expect(['cls:1', 'other']).toContain(r.body.parameters.variant);
    expect((await send(`${gw.url}/v1/experiments/declared`, 'DELETE')).status).toBe(200);
    expect((await postJson(`${gw.url}/v2/models/declared/infer`, x([1, 0, 0]))).status).toBe(404);
  });

  it('a bandit moves most traffic to the variant with better rewards', async () => {
    expect(
      (
        await postJson(`${gw.url}/v1/experiments`, {
          name: 'bandit',
          mode: 'bandit',
          bandit: { floor: 0.05 },
          variants: [
            { name: 'good', target: 'cls:1' },
            { name: 'poor', target: 'cls:2' },
          ],
        })
      ).status,
    ).toBe(201);
    let s = 7;
    const random = () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const late: string[] = [];
    for (let i = 0; i < 250; i++) {
      const res = await fetch(`${gw.url}/v2/models/bandit/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(x([1, 0, 0])),
      });
      await res.arrayBuffer();
      const variant = res.headers.get('massgate-variant')!;
      if (i >= 150) late.push(variant);
      const reward = random() < (variant === 'good' ? 0.8 : 0.2) ? 1 : 0;
      expect(
        (
          await postJson(`${gw.url}/v1/experiments/bandit/feedback`, {
            id: res.headers.get('massgate-request-id'),
            reward,
          })
        ).status,
      ).toBe(200);
    }
    expect(late.filter((v) => v === 'good').length).toBeGreaterThan(80); // of the last 100
    const shares = (await getJson(`${gw.url}/v1/experiments/bandit`)).body.shares;
    expect(shares.poor).toBeGreaterThanOrEqual(0.05); // the floor keeps it explored
  });

  it('a new gateway over the same store keeps experiments, labels and the bandit', async () => {
    const before = (await getJson(`${gw.url}/v1/experiments/bandit`)).body.shares;
    await gw.close();
    // The crash-test runtime registers once per process: the new gateway goes without it (the runtime stays registered
    // in this process).
    gw = await startGateway({ MODEL_STORE: store, ON_MODEL_ERROR: 'continue' });
    const ab = (await getJson(`${gw.url}/v1/experiments/ab`)).body;
    expect(ab.variants.map((v: { name: string; weight: number }) => [v.name, v.weight])).toEqual([
      ['old', 3],
      ['new', 1],
      ['mirror', 1],
    ]);
    expect(ab.history).toBeGreaterThan(0);
    expect((await getJson(`${gw.url}/v1/experiments/declared`)).status).toBe(404);
    expect((await getJson(`${gw.url}/v2/models/cls`)).body.parameters.version_labels).toEqual({ stable: 1, canary: 2 });
    const after = (await getJson(`${gw.url}/v1/experiments/bandit`)).body.shares;
    expect(after.good).toBeGreaterThan(0.8);
    expect(Math.abs(after.good - before.good)).toBeLessThan(0.1);
    const r = await postJson(`${gw.url}/v2/models/ab/infer`, x([1, 0, 0]));
    expect(r.status).toBe(200);
  });
});
