import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postJson, startGateway, type RunningGateway } from '../support/gateway.ts';
import { followJob } from '../support/jobs.ts';
import { storeWithShippedModel, tinyClassifier, writeModel } from '../support/tiny-models.ts';

const MODEL = 'nsfw-mobilenet-v2';
const img = (name: string) => readFileSync(new URL(`../fixtures/images/${name}`, import.meta.url));
const good = (label: string, n: number) =>
  Array.from({ length: n }, () => ({
    label,
    b64: img(label === 'a' ? 'chelsea.jpg' : 'rocket.jpg').toString('base64'),
  }));

describe('fine-tuning refuses bad requests with a clear 4xx, and publishes nothing', () => {
  let gw: RunningGateway;
  let store: string;
  let root: string;

  beforeAll(async () => {
    store = storeWithShippedModel(MODEL, {});
    writeModel(store, 'tensor', 1, tinyClassifier(), { labels: ['x', 'y', 'z'] });
    root = mkdtempSync(join(tmpdir(), 'massgate-data-'));
    for (const label of ['a', 'b']) {
      mkdirSync(join(root, 'set', label), { recursive: true });
      for (let i = 0; i < 5; i++)
        writeFileSync(join(root, 'set', label, `${i}.jpg`), img(label === 'a' ? 'chelsea.jpg' : 'rocket.jpg'));
    }
    mkdirSync(join(root, 'escape', 'a'), { recursive: true });
    symlinkSync('/etc/hostname', join(root, 'escape', 'a', 'x.jpg'));
    gw = await startGateway({ MODEL_STORE: store, FINETUNE_DATA_ROOT: root, BODY_LIMIT_MB: '2' });
  });
  afterAll(() => gw?.close());

  const post = (body: unknown, model = MODEL) => postJson(`${gw.url}/v1/models/${model}/finetune`, body);

  it.each([
    ['no examples', {}, 400, /no training examples/],
    ['one class only', { examples: good('a', 6) }, 400, /only one class/],
    ['too few of a class', { examples: [...good('a', 6), ...good('b', 2)] }, 400, /'b' has 2/],
    ['epochs 0', { examples: [...good('a', 6), ...good('b', 6)], options: { epochs: 0 } }, 400, /epochs/],
    ['epochs 10^6', { examples: [...good('a', 6), ...good('b', 6)], options: { epochs: 1e6 } }, 400, /epochs/],
    [
      'a negative learning rate',
      { examples: [...good('a', 6), ...good('b', 6)], options: { learningRate: -0.1 } },
      400,
      /learningRate/,
    ],
    ['an unknown option', { examples: [...good('a', 6), ...good('b', 6)], options: { epoch: 3 } }, 400, /epoch/],
    [
      'an augmentation the plugin lacks',
      { examples: [...good('a', 6), ...good('b', 6)], options: { augment: ['mixup'] } },
      400,
      /mixup/,
    ],
    ['a bad label', { examples: [...good('a', 6), ...good('b', 5), { label: '../x', b64: 'AAAA' }] }, 400, /label/],
    ['a dataset outside the data root', { dataset: '../' }, 400, /outside the data root/],
    ['an absolute dataset path outside the root', { dataset: '/etc' }, 400, /outside the data root/],
    [
      'a dataset file that links outside the root',
      { dataset: 'escape', examples: good('b', 6) },
      400,
      /outside the data root/,
    ],
    ['a missing dataset', { dataset: 'nope' }, 400, /does not exist/],
  ])('%s is refused', async (_what, body, status, message) => {
    const r = await post(body);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatch(message);
  });

  it('corrupt or undecodable images are named in the 400', async () => {
    const r = await post({
      examples: [...good('a', 6), ...good('b', 5), { label: 'b', b64: img('truncated.jpg').toString('base64') }],
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/examples\[11\].*label 'b'/);
  });

  it('an unknown model is 404, a model whose plugin cannot be fine-tuned is 400, bad JSON 400, a body over the limit 413', async () => {
    expect((await post({ examples: good('a', 6) }, 'nope')).status).toBe(404);
    const tensor = await post({ examples: [...good('a', 6), ...good('b', 6)] }, 'tensor');
    expect(tensor.status).toBe(400);
    expect(tensor.body.code).toBe('NOT_TRAINABLE');
    expect((await post('{"examples": [')).status).toBe(400);
    const big = await post({ examples: [{ label: 'a', b64: 'A'.repeat(3 * 1024 * 1024) }] });
    expect(big.status).toBe(413);
    expect((await fetch(`${gw.url}/v1/jobs/ft-nope-00000000`)).status).toBe(404);
    expect((await fetch(`${gw.url}/v1/jobs/..%2F..%2Fetc`)).status).toBe(404);
  });

  it('a server-side dataset inside the data root and a multipart upload are both accepted (202)', async () => {
    const bad = new FormData();
    bad.append('options', '{not json');
    expect((await fetch(`${gw.url}/v1/models/${MODEL}/finetune`, { method: 'POST', body: bad })).status).toBe(400);
    const fromFolder = await post({ dataset: 'set', options: { epochs: 1, minAccuracy: 0 } });
    expect(fromFolder.status, JSON.stringify(fromFolder.body)).toBe(202);
    expect(fromFolder.body.examples.train + fromFolder.body.examples.validation).toBe(10);
    expect(fromFolder.body.classes).toEqual(['a', 'b']);
    await fetch(`${gw.url}/v1/jobs/${fromFolder.body.id}`, { method: 'DELETE' });
    await followJob(gw.url, fromFolder.body.id); // over before the next one starts
    const form = new FormData();
    for (let i = 0; i < 5; i++) form.append('cat', new Blob([img('chelsea.jpg')]), `cat${i}.jpg`);
    for (let i = 0; i < 5; i++) form.append('files', new Blob([img('rocket.jpg')]), `upload/rocket/r${i}.jpg`);
    form.append('options', JSON.stringify({ epochs: 1, minAccuracy: 0 }));
    const multipart = await fetch(`${gw.url}/v1/models/${MODEL}/finetune`, { method: 'POST', body: form });
    const body = await multipart.json();
    expect(multipart.status, JSON.stringify(body)).toBe(202);
    expect(body.classes).toEqual(['cat', 'rocket']);
    await fetch(`${gw.url}/v1/jobs/${body.id}`, { method: 'DELETE' });
    expect(readdirSync(join(store, MODEL)).filter((f) => /^\d+$/.test(f))).toEqual(['1']);
  });
});

describe('fine-tuning a member of an ensemble', () => {
  it('a replace with other labels is refused (409) while an ensemble votes over the model; none is allowed', async () => {
    const store = storeWithShippedModel(MODEL, {});
    mkdirSync(join(store, 'duo'));
    writeFileSync(
      join(store, 'duo', 'config.json'),
      JSON.stringify({ ensemble: { members: [MODEL, `${MODEL}:1`], strategy: 'soft' } }),
    );
    const gw = await startGateway({ MODEL_STORE: store });
    try {
      const examples = [...good('a', 6), ...good('b', 6)];
      const r = await postJson(`${gw.url}/v1/models/${MODEL}/finetune`, {
        examples,
        options: { deploy: { mode: 'replace' } },
      });
      expect(r.status).toBe(409);
      expect(r.body.error).toMatch(/ensemble 'duo'/);
      const none = await postJson(`${gw.url}/v1/models/${MODEL}/finetune`, {
        examples,
        options: { epochs: 1, deploy: { mode: 'none' } },
      });
      expect(none.status).toBe(202);
      await fetch(`${gw.url}/v1/jobs/${none.body.id}`, { method: 'DELETE' });
    } finally {
      await gw.close();
    }
  });
});

describe('fine-tuning limits that apply once the job runs', () => {
  it('a job whose features would exceed FINETUNE_MAX_FEATURE_MB fails with the reason, and publishes nothing', async () => {
    const store = storeWithShippedModel(MODEL, {});
    const gw = await startGateway({ MODEL_STORE: store, FINETUNE_MAX_FEATURE_MB: '0.01', FINETUNE_CONCURRENCY: '1' });
    try {
      const r = await postJson(`${gw.url}/v1/models/${MODEL}/finetune`, {
        examples: [...good('a', 6), ...good('b', 6)],
      });
      expect(r.status).toBe(202);
      const { job } = await followJob(gw.url, r.body.id);
      expect(job.state).toBe('failed');
      expect(job.error).toMatch(/FINETUNE_MAX_FEATURE_MB/);
      expect(readdirSync(join(store, MODEL)).filter((f) => /^\d+$/.test(f))).toEqual(['1']);
    } finally {
      await gw.close();
    }
  });
});
