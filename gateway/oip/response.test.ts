import { describe, expect, it } from 'vitest';
import { tensor, utf8 } from '../../core/tensor.ts';
import type { InferRequest } from './request.ts';
import { encodeOutputs, outputsCodec, renderInferResponse, selectOutputs } from './response.ts';

const y = tensor('y', 'FP32', [1, 2], Float32Array.of(0.25, 0.75));
const s = tensor('s', 'BYTES', [1], [utf8('ok')]);
const request = (o: Partial<InferRequest> = {}): InferRequest => ({ parameters: {}, inputs: {}, ...o });

describe('v2 responses', () => {
  it('selects the outputs asked for, in their order, classified where asked', () => {
    expect(selectOutputs({ y, s }, undefined)).toEqual([y, s]);
    expect(selectOutputs({ y, s }, [{ name: 's' }, { name: 'y' }])).toEqual([s, y]);
    const [c] = selectOutputs({ y }, [{ name: 'y', parameters: { classification: 1 } }], ['a', 'b']);
    expect(c).toEqual(tensor('y', 'BYTES', [1, 1], [utf8('0.75:1:b')]));
  });

  it('encodes outputs as JSON, or as binary data after the JSON when asked (per output or for all)', () => {
    const json = encodeOutputs(request(), [y, s]);
    expect(JSON.parse(Buffer.from(json.json).toString())).toEqual([
      { name: 'y', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] },
      { name: 's', datatype: 'BYTES', shape: [1], data: ['ok'] },
    ]);
    expect(json.tail.length).toBe(0);
    const binary = encodeOutputs(
      request({ outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 's' }] }),
      [y, s],
    );
    expect(JSON.parse(Buffer.from(binary.json).toString())[0]).toEqual({
      name: 'y',
      datatype: 'FP32',
      shape: [1, 2],
      parameters: { binary_data_size: 8 },
    });
    expect(new Float32Array(Uint8Array.from(Buffer.concat(binary.tail)).buffer)).toEqual(y.data);
    const all = encodeOutputs(request({ parameters: { binary_data_output: true } }), [y, s]);
    expect(Buffer.concat(all.tail).length).toBe(8 + 4 + 2); // FP32 ×2, then BYTES: a 4-byte length and "ok"
  });

  it('renders the body with model, version and id, with the JSON header length for binary data', () => {
    const plain = renderInferResponse({ name: 'm', version: 3 }, 'r1', encodeOutputs(request(), [y]));
    expect(JSON.parse(plain.body.toString())).toMatchObject({
      model_name: 'm',
      model_version: '3',
      id: 'r1',
      outputs: [{ name: 'y' }],
    });
    expect(plain.headerLength).toBeUndefined();
    const bin = renderInferResponse(
      { name: 'm', version: 3 },
      undefined,
      encodeOutputs(request({ parameters: { binary_data_output: true } }), [y]),
    );
    expect(JSON.parse(bin.body.subarray(0, bin.headerLength).toString())).not.toHaveProperty('id');
    expect(bin.body.length - bin.headerLength!).toBe(8);
  });

  it('packs encoded outputs for the cache and renders the unpacked the same as the original', () => {
    for (const e of [
      encodeOutputs(request({ parameters: { binary_data_output: true } }), [y, s]),
      encodeOutputs(request(), [y]),
    ]) {
      const back = outputsCodec.unpack(outputsCodec.pack(e));
      expect([Buffer.from(back.json), Buffer.concat(back.tail)]).toEqual([Buffer.from(e.json), Buffer.concat(e.tail)]);
      expect(renderInferResponse({ name: 'm', version: 1 }, 'x', back)).toEqual(
        renderInferResponse({ name: 'm', version: 1 }, 'x', e),
      );
    }
  });
});
