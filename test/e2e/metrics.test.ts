import { describe, expect, it } from 'vitest';
import { startWithModel, postJson, useGateway } from '../support/gateway.ts';
import { scaleSumModel } from '../support/tiny-models.ts';

const request = (rows: number) => ({
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [rows, 4], data: Array(rows * 4).fill(1) },
    { name: 'ids', datatype: 'INT64', shape: [rows, 2], data: Array(rows * 2).fill(0) },
  ],
});

describe('Prometheus metrics at /metrics', () => {
  // Six requests of 2 rows fill a batch of 12, which leaves the moment it is full: one batch, whatever the timing.
  const gw = useGateway(() =>
    startWithModel('scale', scaleSumModel(), { batching: { maxBatchSize: 12, maxQueueDelayMs: 600_000 } }),
  );

  it('counts successes and failures by reason, and records queue, compute, batch size and latency', async () => {
    await Promise.all(Array.from({ length: 6 }, () => postJson(`${gw.url}/v2/models/scale/infer`, request(2))));
    const bad = await postJson(`${gw.url}/v2/models/scale/infer`, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3] }],
    });
    expect(bad.status).toBe(400);
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/massgate_inference_request_success_total\{model="scale",version="1"\} 6/);
    expect(text).toMatch(
      /massgate_inference_request_failure_total\{model="scale",version="1",reason="INVALID_INPUT"\} 1/,
    );
    expect(text).toMatch(
      /massgate_inference_request_duration_seconds_count\{model="scale",version="1",outcome="success"\} 6/,
    );
    expect(text).toMatch(
      /massgate_inference_request_duration_seconds_count\{model="scale",version="1",outcome="INVALID_INPUT"\} 1/,
    );
    expect(text).toMatch(/massgate_inference_queue_duration_seconds_count\{model="scale",version="1"\} 6/);
    const batches = Number(/massgate_inference_batch_size_count\{model="scale",version="1"\} (\d+)/.exec(text)?.[1]);
    const rows = Number(/massgate_inference_batch_size_sum\{model="scale",version="1"\} (\d+)/.exec(text)?.[1]);
    expect(rows).toBe(12);
    expect(batches).toBe(1); // the six concurrent requests were batched
    expect(text).toMatch(/massgate_inference_queue_depth\{model="scale",version="1"\} 0/);
    expect(text).toMatch(/massgate_inference_instances\{model="scale",version="1"\} 1/);
    expect(text).toMatch(/massgate_process_cpu_user_seconds_total/);
  });
});
