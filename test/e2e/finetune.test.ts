import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, postJson, startGateway, type RunningGateway } from '../support/gateway.ts';
import { storeWithShippedModel } from '../support/tiny-models.ts';
import { documentImages, photoImages, PHOTO_SOURCES } from '../support/finetune-data.ts';

const MODEL = 'nsfw-mobilenet-v2';
const chelsea = readFileSync(new URL('../fixtures/images/chelsea.jpg', import.meta.url)).toString('base64');
const b64 = (b: Buffer) => b.toString('base64');

/** Reads a job's server-sent events until it ends: the event names and the last record. */
async function follow(url: string): Promise<{ events: string[]; states: string[]; job: any }> {
  const res = await fetch(url);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const events: string[] = [];
  const states: string[] = [];
  let job: any;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) {
        events.push(event);
        job = JSON.parse(data);
        if (states.at(-1) !== job.state) states.push(job.state);
      }
    }
  }
  return { events, states, job };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 100));
}

const versions = (store: string) => readdirSync(join(store, MODEL)).filter((f) => /^\d+$/.test(f)).sort();

describe('fine-tuning nsfw-mobilenet-v2 on a class it does not have ("document")', () => {
  let gw: RunningGateway;
  let store: string;
  let train: Array<{ label: string; b64: string }>;
  let heldOut: Array<{ label: string; b64: string }>;

  beforeAll(async () => {
    store = storeWithShippedModel(MODEL, {});
    gw = await startGateway({ MODEL_STORE: store, FINETUNE_CPU_SHARE: '1' });
    const [docs, photos, testDocs, testPhotos] = await Promise.all([
      documentImages(24, 1), photoImages(PHOTO_SOURCES.train, 24, 2),
      documentImages(12, 3), photoImages(PHOTO_SOURCES.heldOut, 12, 4), // other pages, photos never seen in training
    ]);
    train = [...docs.map((d) => ({ label: 'document', b64: b64(d) })), ...photos.map((p) => ({ label: 'photo', b64: b64(p) }))];
    heldOut = [...testDocs.map((d) => ({ label: 'document', b64: b64(d) })), ...testPhotos.map((p) => ({ label: 'photo', b64: b64(p) }))];
  });
  afterAll(() => gw?.close());

  it('trains, publishes version 2 and hot-swaps it in under traffic with no failed request; held-out accuracy ≥ 0.9', async () => {
    let stop = false;
    const statuses: number[] = [];
    const labelsSeen = new Set<string>();
    const traffic = Promise.all(Array.from({ length: 2 }, async () => {
      while (!stop) {
        const r = await postJson(`${gw.url}/v1/models/${MODEL}:predict`, { instances: [chelsea] });
        statuses.push(r.status);
        if (r.body.predictions) labelsSeen.add(r.body.predictions[0].label);
      }
    }));
    const started = await postJson(`${gw.url}/v1/models/${MODEL}/finetune`, {
      examples: train,
      options: { epochs: 40, learningRate: 0.005, batchSize: 16, validationSplit: 0.25, patience: 8, seed: 7, augment: ['flip', 'crop'], augmentCopies: 1, deploy: { mode: 'replace' } },
    });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(`/v1/jobs/${started.body.id}`);
    const { events, states, job } = await follow(`${gw.url}/v1/jobs/${started.body.id}/events`);
    expect(job.state, job.error).toBe('succeeded');
    expect(states.slice(-4)).toEqual(['training', 'validating', 'publishing', 'succeeded']); // each event shows the state it announced
    expect(events).toContain('epoch');
    expect(events).toContain('progress');
    expect(job.epochs.length).toBeGreaterThan(0);
    expect(job.result.version).toBe(2);
    expect(job.result.deploy).toMatchObject({ mode: 'replace', previousDefault: 1 });
    expect(job.result.scores.candidate.accuracy).toBeGreaterThanOrEqual(0.9);
    // A few more requests after the swap, then the traffic stops.
    const after = statuses.length;
    await until(async () => statuses.length >= after + 4);
    stop = true;
    await traffic;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(labelsSeen.has('document') || labelsSeen.has('photo')).toBe(true); // the new version answered
    expect(labelsSeen.has('Neutral') || labelsSeen.has('Drawing')).toBe(true); // the old one did before

    // Held-out pages and photos (never seen in training) through the ordinary predict API.
    const r = await postJson(`${gw.url}/v1/models/${MODEL}:predict`, { instances: heldOut.map((h) => h.b64) });
    expect(r.status).toBe(200);
    const right = r.body.predictions.filter((p: { label: string }, i: number) => p.label === heldOut[i]!.label).length;
    expect(heldOut.length).toBeGreaterThanOrEqual(20);
    expect(right / heldOut.length, `${right} of ${heldOut.length} held-out images right`).toBeGreaterThanOrEqual(0.9);

    // The version on disk: weights, config, labels, report and curves; its metadata names its origin.
    const dir = join(store, MODEL, '2');
    for (const f of ['head/model.json', 'head/weights.bin', 'config.json', 'report.json', 'curves.svg']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(readFileSync(join(dir, 'curves.svg'), 'utf8')).toMatch(/^<svg/);
    const meta = await getJson(`${gw.url}/v2/models/${MODEL}`);
    expect(meta.body.versions).toEqual(expect.arrayContaining(['1', '2']));
    const v2 = await getJson(`${gw.url}/v2/models/${MODEL}/versions/2`);
    expect(v2.body.parameters.finetuned).toMatchObject({ base: { model: MODEL, version: 1 }, job: job.id, classes: ['document', 'photo'] });
    expect((await getJson(`${gw.url}/v1/jobs/${job.id}`)).body.state).toBe('succeeded');
  });

  it('rolls back to the version it replaced in one call', async () => {
    const r = await postJson(`${gw.url}/v1/models/${MODEL}/rollback`, {});
    expect(r.status).toBe(200);
    expect(r.body.default_version).toBe(1);
    const p = await postJson(`${gw.url}/v1/models/${MODEL}:predict`, { instances: [chelsea] });
    expect(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']).toContain(p.body.predictions[0].label);
    expect((await postJson(`${gw.url}/v1/models/${MODEL}/rollback`, {})).status).toBe(409); // nothing left to roll back
  });

  it('the gate rejects a candidate trained on shuffled labels, and nothing is published', async () => {
    const before = versions(store);
    const shuffled = train.map((t, i) => ({ ...t, label: i % 2 ? 'document' : 'photo' }));
    const started = await postJson(`${gw.url}/v1/models/${MODEL}/finetune`, { examples: shuffled, options: { epochs: 5, seed: 3, minAccuracy: 0.9 } });
    expect(started.status).toBe(202);
    const { job } = await follow(`${gw.url}/v1/jobs/${started.body.id}/events`);
    expect(job.state).toBe('rejected');
    expect(job.result.gate.passed).toBe(false);
    expect(job.result.scores.candidate.accuracy).toBeLessThan(0.9);
    expect(job.error).toMatch(/below the bar/);
    expect(versions(store)).toEqual(before);
  });

  it('a cancelled job publishes nothing, and a second job of the same model meanwhile is refused with 409', async () => {
    const before = versions(store);
    const started = await postJson(`${gw.url}/v1/models/${MODEL}/finetune`, { examples: train, options: { epochs: 1000, patience: 0, batchSize: 4, unfreeze: 2 } }); // unfreeze: the base's dense_1 and dense_2 train too
    expect(started.status).toBe(202);
    const second = await postJson(`${gw.url}/v1/models/${MODEL}/finetune`, { examples: train });
    expect(second.status).toBe(409);
    await until(async () => (await getJson(`${gw.url}/v1/jobs/${started.body.id}`)).body.epochs.length > 0);
    const cancel = await fetch(`${gw.url}/v1/jobs/${started.body.id}`, { method: 'DELETE' });
    expect(cancel.status).toBe(202);
    const { job } = await follow(`${gw.url}/v1/jobs/${started.body.id}/events`);
    expect(job.state).toBe('cancelled');
    expect(versions(store)).toEqual(before);
    expect(readdirSync(join(store, MODEL)).filter((f) => f.startsWith('.finetune-'))).toEqual([]);
    expect((await fetch(`${gw.url}/v1/jobs/${started.body.id}`, { method: 'DELETE' })).status).toBe(409); // already over
  });
});
