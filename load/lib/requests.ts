/** An Open Inference Protocol request in the binary tensor format: header JSON + raw FP32 bytes. */
export function binaryInferRequest(
  input: { name: string; shape: number[]; data: Float32Array },
  outputs: string[],
): { body: Buffer; headers: Record<string, string> } {
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: input.name,
          datatype: 'FP32',
          shape: input.shape,
          parameters: { binary_data_size: input.data.byteLength },
        },
      ],
      outputs: outputs.map((name) => ({ name, parameters: { binary_data: true } })),
    }),
  );
  return {
    body: Buffer.concat([header, Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength)]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}

/** Deterministic pseudo-random FP32 data in [0, 1). */
export function noise(n: number, seed = 7): Float32Array {
  let s = seed >>> 0;
  return new Float32Array(n).map(() => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  });
}
