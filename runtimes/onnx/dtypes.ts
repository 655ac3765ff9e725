import type { Tensor as OrtTensor } from 'onnxruntime-node';
import type { DataType } from '../../core/tensor.ts';
import { GatewayError } from '../../core/errors.ts';

const TO_ORT: Record<DataType, OrtTensor.Type> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

const FROM_ORT = Object.fromEntries(Object.entries(TO_ORT).map(([k, v]) => [v, k])) as Record<string, DataType>;

/** onnxruntime's type name for an inference-protocol datatype. */
export const toOrtType = (d: DataType): OrtTensor.Type => TO_ORT[d];

/** The inference-protocol datatype for an onnxruntime type name. */
export function fromOrtType(t: string): DataType {
  const d = FROM_ORT[t];
  if (!d) throw new GatewayError('INFERENCE_FAILED', `onnxruntime type '${t}' has no inference-protocol datatype`);
  return d;
}
