import { bytes, float, int, join, message, type Bytes } from './protobuf.ts';

/**
 * Writes small ONNX models from a declarative description: graphs rebuilt from weights at load time
 * (runtimes/faceapi), test fixtures and load scenarios (tools/onnx). Only what those need: tensors
 * in/out, initializers and nodes with int, float, ints and string attributes.
 *
 * @example
 * const onnx = buildModel({
 *   inputs: [{ name: 'x', type: 'float32', shape: [-1, 4] }],
 *   outputs: [{ name: 'y', type: 'float32', shape: [-1, 4] }],
 *   initializers: [{ name: 'two', type: 'float32', dims: [1], data: new Float32Array([2]) }],
 *   nodes: [{ op: 'Mul', inputs: ['x', 'two'], outputs: ['y'] }],
 * });
 */
const ELEM = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
} as const;
export type ElemType = keyof typeof ELEM;

interface ValueSpec {
  name: string;
  type: ElemType;
  /** -1 or a string for a dynamic dimension. */
  shape: (number | string)[];
}

export interface InitializerSpec {
  name: string;
  type: Exclude<ElemType, 'string'>;
  dims: number[];
  data: ArrayBufferView;
}

export type AttributeValue = number | string | number[] | { float: number };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
}

interface ModelSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: InitializerSpec[];
  opset?: number;
}

function valueInfo(field: number, v: ValueSpec): Bytes {
  const dims = v.shape.map((d) =>
    message(1, [typeof d === 'string' ? bytes(2, d) : d < 0 ? bytes(2, `d_${v.name}`) : int(1, d)]),
  );
  const tensorType = message(1, [int(1, ELEM[v.type]), message(2, dims)]);
  return message(field, [bytes(1, v.name), message(2, [tensorType])]);
}

function initializer(t: InitializerSpec): Bytes {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return message(5, [...t.dims.map((d) => int(1, d)), int(2, ELEM[t.type]), bytes(8, t.name), bytes(9, raw)]);
}

function attribute(name: string, value: AttributeValue): Bytes {
  if (typeof value === 'number') return message(5, [bytes(1, name), int(3, value), int(20, 2)]);
  if (typeof value === 'string') return message(5, [bytes(1, name), bytes(4, value), int(20, 3)]);
  if (Array.isArray(value)) return message(5, [bytes(1, name), ...value.map((v) => int(8, v)), int(20, 7)]);
  return message(5, [bytes(1, name), float(2, value.float), int(20, 1)]);
}

function node(n: NodeSpec, i: number): Bytes {
  return message(1, [
    ...n.inputs.map((x) => bytes(1, x)),
    ...n.outputs.map((x) => bytes(2, x)),
    bytes(3, `${n.op}_${i}`),
    bytes(4, n.op),
    ...Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
  ]);
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const graph = message(7, [
    ...spec.nodes.map(node),
    bytes(2, 'graph'),
    ...(spec.initializers ?? []).map(initializer),
    ...spec.inputs.map((v) => valueInfo(11, v)),
    ...spec.outputs.map((v) => valueInfo(12, v)),
  ]);
  return join([int(1, 8), bytes(2, 'massgate'), graph, message(8, [bytes(1, ''), int(2, spec.opset ?? 17)])]);
}
