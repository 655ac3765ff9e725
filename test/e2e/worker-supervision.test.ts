import { describe, expect, it, vi } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import { startGateway, postJson, getJson, useGateway } from '../support/gateway.ts';
import { scaleSumModel, tempStore, writeModel } from '../support/tiny-models.ts';

const EXIT = 42; // the crash-test runtime's worker calls process.exit on this input
const THROW = 43; // …and dies of an uncaught error on this one
/** Operator-configured code: a PLUGINS folder whose index exports the crash-test runtime adapter. */
const CRASH_RUNTIME = fileURLToPath(new URL('../fixtures/crash-runtime', import.meta.url));

const body = (v: number, rows = 1) => ({
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [rows, 4], data: Array.from({ length: rows * 4 }, () => v) },
    { name: 'ids', datatype: 'INT64', shape: [rows, 2], data: Array.from({ length: rows * 2 }, () => 1) },
  ],
});
/** The data of output `y` in an OIP v2 answer. */
const yOf = (res: { body: { outputs: Array<{ name: string; data: number[] }> } }) =>
  res.body.outputs.find((o) => o.name === 'y')?.data;

async function metric(url: string, name: string, model: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`model="${model}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Probes until `ok` holds (polling what the gateway only shows when asked); the last value probed. */
const until = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> =>
  vi.waitFor(
    async () => {
      const v = await probe();
      if (!ok(v)) throw new Error(`still waiting for ${what}: ${JSON.stringify(v)}`);
      return v;
    },
    { timeout: 20_000, interval: 50 },
  );

/**
 * Sends a request's headers and only `sent` of its `length` body bytes; resolves with the status line the server
 * answers with.
 */
function partialRequest(url: string, path: string, length: number, sent: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${sent}`,
      );
    });
    socket.setTimeout(10_000, () => reject(new Error('no answer while the body was still unsent')));
    socket.once('data', (d) => {
      resolve(d.toString('latin1').split('\r\n')[0]!);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/**
 * A model whose worker thread dies on input 42 (process.exit) or 43 (uncaught error), served next to a
 * healthy one. The test runtime comes from a PLUGINS folder, as operator-configured runtimes do: its
 * module path is handed to the inference threads.
 */
describe('worker supervision: an inference thread that dies mid-batch', () => {
  let blocker: string;
  const gw = useGateway(async () => {
    const store = tempStore();
    writeModel(store, 'fragile', 1, scaleSumModel(), {
      runtime: 'crash-test',
      instances: 1,
      batching: { maxBatchSize: 8, maxQueueDelayMs: 20, queueDelay: 'fixed' },
    });
    writeModel(store, 'steady', 1, scaleSumModel(3));
    blocker = join(store, 'fragile', '1', 'model.onnx.fail-load');
    return startGateway({
      MODEL_STORE: store,
      PLUGINS: CRASH_RUNTIME,
      LOG_LEVEL: 'silent',
      WORKER_RESTART_BASE_MS: '100',
      WORKER_RESTART_MAX_MS: '200',
    });
  });

  it('answers the batch it was running with 503 and Retry-After, says unready until restarted, then serves again', async () => {
    const ok = await postJson(`${gw.url}/v2/models/fragile/infer`, body(1));
    expect(ok.status).toBe(200);
    expect(yOf(ok)).toEqual([2, 2, 2, 2]);

    writeFileSync(blocker, ''); // restarts fail until the test lets them succeed
    // The poison request and two innocent ones in the same 20 ms batch window.
    const inflight = await Promise.all(
      [body(5), body(EXIT), body(6)].map((b) => postJson(`${gw.url}/v2/models/fragile/infer`, b)),
    );
    // The poison request's batch gets 503 (not retried: its input may be what killed the worker); an
    // innocent request that ran in an earlier batch (a slow client) got its answer. Never a 500.
    inflight.forEach((r, i) => {
      if (i !== 1 && r.status === 200) {
        expect(yOf(r)).toEqual(Array.from({ length: 4 }, () => 2 * [5, EXIT, 6][i]!));
        return;
      }
      expect(r.status).toBe(503);
      expect(r.body.code).toBe('UNAVAILABLE');
      expect(r.headers.get('retry-after')).toBe('1');
    });
    expect(inflight[1]!.body.error).toMatch(/model worker exited/);

    // No live instance: new requests are refused at once, and every readiness view says so.
    const refused = await postJson(`${gw.url}/v2/models/fragile/infer`, body(1));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    // …before its body is read: a refusal costs no read or parse (the body below is never completed).
    expect(await partialRequest(gw.url, '/v2/models/fragile/infer', 100_000, '{"inputs": [')).toMatch(
      /^HTTP\/1\.1 503/,
    );
    expect(await partialRequest(gw.url, '/v1/models/fragile:predict', 100_000, '{"instances": [')).toMatch(
      /^HTTP\/1\.1 503/,
    );
    const modelReady = await getJson(`${gw.url}/v2/models/fragile/ready`);
    expect(modelReady.status).toBe(503);
    expect(modelReady.body.error).toMatch(/no live instance/);
    expect((await getJson(`${gw.url}/v2/health/ready`)).status).toBe(503);
    const index = await postJson(`${gw.url}/v2/repository/index`, {});
    expect(index.body.find((r: { name: string }) => r.name === 'fragile')).toMatchObject({
      state: 'UNAVAILABLE',
      reason: expect.stringMatching(/no live instance/),
    });
    expect(index.body.find((r: { name: string }) => r.name === 'steady')).toMatchObject({ state: 'READY' });
    expect(await metric(gw.url, 'massgate_inference_instances_live', 'fragile')).toBe(0);

    // The other model is unaffected.
    const other = await postJson(`${gw.url}/v2/models/steady/infer`, body(1));
    expect(other.status).toBe(200);
    expect(yOf(other)).toEqual([3, 3, 3, 3]);

    rmSync(blocker);
    await until(
      () => getJson(`${gw.url}/v2/health/ready`),
      (r) => r.status === 200,
      'readiness after the restart',
    );
    expect((await getJson(`${gw.url}/v2/models/fragile/ready`)).status).toBe(200);
    expect(await metric(gw.url, 'massgate_instance_restarts_total', 'fragile')).toBe(1);
    expect(await metric(gw.url, 'massgate_instance_exits_total', 'fragile')).toBe(1);
    expect(await metric(gw.url, 'massgate_inference_instances_live', 'fragile')).toBe(1);
    const again = await postJson(`${gw.url}/v2/models/fragile/infer`, body(7, 3));
    expect(again.status).toBe(200);
    expect(yOf(again)).toEqual(Array.from({ length: 12 }, () => 14));
  });

  it('restarts a worker that died of an uncaught error too, and counts each restart', async () => {
    const dead = await postJson(`${gw.url}/v2/models/fragile/infer`, body(THROW));
    expect(dead.status).toBe(503);
    expect(dead.body.error).toMatch(/model worker exited/);
    await until(
      () => metric(gw.url, 'massgate_instance_restarts_total', 'fragile'),
      (n) => n === 2,
      'the second restart',
    );
    const ok = await until(
      () => postJson(`${gw.url}/v2/models/fragile/infer`, body(2)),
      (r) => r.status === 200,
      'an answer after the restart',
    );
    expect(yOf(ok)).toEqual([4, 4, 4, 4]);
  });
});
