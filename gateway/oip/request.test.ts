import { describe, expect, it } from 'vitest';
import type { TensorInfo } from '../../core/tensor.ts';
import { parseBody, requestOf } from './envelope.ts';
import { parseEnvelope, requestPriority, requestTimeoutMs, validateRequest } from './request.ts';

const inputs: TensorInfo[] = [
  { name: 'x', datatype: 'FP32', shape: [-1, 2] },
  { name: 'ids', datatype: 'INT64', shape: [-1, 1] },
];
const outputs: TensorInfo[] = [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }];
const limits = { maxTensorElements: 100, maxInstances: 4, maxJsonDepth: 8 };
const x = (shape: number[], data: unknown) => ({ name: 'x', datatype: 'FP32' as const, shape, data });
const ids = (rows: number) => ({
  name: 'ids',
  datatype: 'INT64' as const,
  shape: [rows, 1],
  data: Array(rows).fill(3),
});
const validate = (raw: unknown) => validateRequest(parseEnvelope(raw), inputs, outputs, undefined, limits);
const refused = (f: () => unknown, code: string, message: RegExp) =>
  expect(f).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));

describe('v2 inference requests', () => {
  it('builds typed tensors from a valid request, with its id, parameters and outputs', () => {
    const r = validate({
      id: 'a',
      parameters: { p: 1 },
      inputs: [
        x(
          [2, 2],
          [
            [1, 2],
            [3, 4],
          ],
        ),
        ids(2),
      ],
      outputs: [{ name: 'y' }],
    });
    expect(r.id).toBe('a');
    expect(r.parameters).toEqual({ p: 1 });
    expect(r.outputs).toEqual([{ name: 'y' }]);
    expect(r.inputs.x).toEqual({ name: 'x', datatype: 'FP32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
    expect(r.inputs.ids!.data).toEqual(BigInt64Array.of(3n, 3n));
    expect(validate({ inputs: [x([1, 2], [1, 2]), ids(1)], outputs: [] }).outputs).toBeUndefined();
  });

  it('refuses a body that is not an inference request, naming the field', () => {
    refused(() => parseEnvelope({ inputs: [] }), 'INVALID_INPUT', /invalid inference request: inputs: /);
    refused(
      () => parseEnvelope({ inputs: [{ name: 'x', datatype: 'FP8', shape: [1] }] }),
      'INVALID_INPUT',
      /inputs\.0\.datatype/,
    );
    refused(() => parseEnvelope([]), 'INVALID_INPUT', /\(body\)/);
  });

  it('checks each input against the model: known, once, its datatype and shape, all present', () => {
    refused(
      () => validate({ inputs: [x([1, 2], [1, 2]), ids(1), { ...ids(1), name: 'z' }] }),
      'INVALID_INPUT',
      /unknown input 'z'/,
    );
    refused(
      () => validate({ inputs: [x([1, 2], [1, 2]), x([1, 2], [1, 2]), ids(1)] }),
      'INVALID_INPUT',
      /input 'x' appears twice/,
    );
    refused(
      () => validate({ inputs: [{ ...x([1, 2], [1, 2]), datatype: 'FP64' }, ids(1)] }),
      'INVALID_INPUT',
      /datatype FP64 does not match the model's FP32/,
    );
    refused(
      () => validate({ inputs: [x([1, 3], [1, 2, 3]), ids(1)] }),
      'INVALID_INPUT',
      /shape \[1,3\] does not match/,
    );
    refused(() => validate({ inputs: [x([1, 2], [1, 2])] }), 'INVALID_INPUT', /missing input\(s\): ids/);
  });

  it('checks the data against the shape and the rows against each other', () => {
    refused(
      () => validate({ inputs: [x([2, 2], [1, 2, 3]), ids(2)] }),
      'INVALID_INPUT',
      /needs 4 elements, data has 3/,
    );
    refused(() => validate({ inputs: [x([1, 2], undefined), ids(1)] }), 'INVALID_INPUT', /input 'x' has no data/);
    refused(
      () => validate({ inputs: [x([2, 2], [1, 2, 3, 4]), ids(1)] }),
      'INVALID_INPUT',
      /inputs disagree on the batch size \(2 vs 1\)/,
    );
    refused(
      () => validate({ inputs: [x([1, 2], [1, 2]), ids(1)], outputs: [{ name: 'nope' }] }),
      'INVALID_INPUT',
      /unknown output 'nope'/,
    );
  });

  it('applies the element and instance limits before converting any data', () => {
    refused(() => validate({ inputs: [x([50, 2], []), ids(50)] }), 'PAYLOAD_TOO_LARGE', /50 instances; the limit is 4/);
    refused(() => validate({ inputs: [x([60, 2], []), ids(1)] }), 'INVALID_INPUT', /MAX_TENSOR_ELEMENTS/);
  });

  it('takes tensors from the binary tail (binary tensor extension)', () => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } }, ids(1)],
      }),
    );
    const tail = Buffer.from(Float32Array.of(0.5, -1).buffer);
    const r = requestOf(parseBody(Buffer.concat([header, tail]), header.length, 8), inputs, outputs, limits);
    expect(r.inputs.x!.data).toEqual(Float32Array.of(0.5, -1));
    const short = Buffer.concat([header, tail.subarray(0, 4)]);
    refused(() => requestOf(parseBody(short, header.length, 8), inputs, outputs, limits), 'INVALID_INPUT', /overruns/);
  });

  it('reads the timeout (Triton microseconds or milliseconds) and priority parameters', () => {
    expect(requestTimeoutMs({})).toBeUndefined();
    expect(requestTimeoutMs({ timeout: 2500 })).toBe(2.5);
    expect(requestTimeoutMs({ timeout: 2500, timeout_ms: 7 })).toBe(7);
    refused(() => requestTimeoutMs({ timeout_ms: 0 }), 'INVALID_INPUT', /timeout_ms/);
    refused(() => requestTimeoutMs({ timeout: 'soon' }), 'INVALID_INPUT', /microseconds/);
    expect(requestPriority({ priority: 2 })).toBe(2);
    expect(requestPriority({})).toBeUndefined();
    refused(() => requestPriority({ priority: 0 }), 'INVALID_INPUT', /priority/);
  });
});
