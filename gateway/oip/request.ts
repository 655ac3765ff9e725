import { z } from 'zod';
import { invalidInput } from '../../core/errors.ts';
import { checkedElementCount, DATATYPES, tensor, type Tensor, type TensorInfo } from '../../core/tensor.ts';
import { checkInstances, DEFAULT_LIMITS, type EdgeLimits } from '../http/limits.ts';
import { flatten, fromJson } from './json-data.ts';
import { issuesText } from '../../core/issues.ts';
import { checkAllFed, checkFeed } from '../../core/feeds.ts';

const Parameters = z.record(z.string(), z.unknown());

const RequestInput = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)),
  datatype: z.enum(DATATYPES),
  parameters: Parameters.optional(),
  data: z.unknown().optional(),
});

const RequestOutput = z.object({ name: z.string().min(1), parameters: Parameters.optional() });

export const InferRequestSchema = z.object({
  id: z.string().optional(),
  parameters: Parameters.optional(),
  inputs: z.array(RequestInput).min(1),
  outputs: z.array(RequestOutput).optional(),
});

export type RawInferRequest = z.infer<typeof InferRequestSchema>;
export type RequestedOutput = z.infer<typeof RequestOutput>;

/** A validated inference request. */
export interface InferRequest {
  id?: string | undefined;
  parameters: Record<string, unknown>;
  inputs: Record<string, Tensor>;
  outputs?: RequestedOutput[] | undefined;
}

/** Parses the JSON envelope of an inference request; schema errors become one clear 400. */
export function parseEnvelope(body: unknown): RawInferRequest {
  const r = InferRequestSchema.safeParse(body);
  if (!r.success) {
    throw invalidInput(`invalid inference request: ${issuesText(r.error, '(body)')}`);
  }
  return r.data;
}

/**
 * Checks a request against the model's declared inputs and outputs and builds its tensors.
 * `decodeData` gives an input's data when it is not JSON values: binary-extension bytes (gateway/oip/binary.ts)
 * or numbers lifted out of the JSON text (gateway/oip/json-lift.ts), already checked against `count`. Each shape is
 * checked against `limits.maxTensorElements` (400) and the rows of a batch dimension (a dynamic first
 * dimension: images or texts of a plugin model, rows of a tensor model) against `limits.maxInstances`
 * (413), before any data is converted.
 */
export function validateRequest(
  raw: RawInferRequest,
  declaredInputs: readonly TensorInfo[],
  declaredOutputs: readonly TensorInfo[],
  decodeData?: (input: RawInferRequest['inputs'][number], count: number) => Tensor['data'] | undefined,
  limits: Pick<EdgeLimits, 'maxTensorElements' | 'maxInstances'> = DEFAULT_LIMITS,
): InferRequest {
  const inputs: Record<string, Tensor> = {};
  for (const input of raw.inputs) {
    const declared = checkFeed(input, declaredInputs);
    if (inputs[input.name]) throw invalidInput(`input '${input.name}' appears twice`);
    let count: number;
    try {
      count = checkedElementCount(input.shape, limits.maxTensorElements);
    } catch (e) {
      throw invalidInput(`input '${input.name}': ${(e as Error).message}`);
    }
    if (declared.shape[0]! < 0) checkInstances(input.shape[0]!, limits.maxInstances);
    let data = decodeData?.(input, count);
    if (data === undefined) {
      if (input.data === undefined) throw invalidInput(`input '${input.name}' has no data`);
      const flat = flatten(input.name, input.data, input.shape);
      if (flat.length !== count) {
        throw invalidInput(
          `input '${input.name}': shape [${input.shape.join(',')}] needs ${count} elements, data has ${flat.length}`,
        );
      }
      data = fromJson(input.name, input.datatype, flat);
    } else if (data.length !== count) {
      throw invalidInput(
        `input '${input.name}': shape [${input.shape.join(',')}] needs ${count} elements, binary data has ${data.length}`,
      );
    }
    inputs[input.name] = tensor(input.name, input.datatype, input.shape, data);
  }
  checkAllFed(declaredInputs, (name) => Object.hasOwn(inputs, name));
  const rows = new Set(Object.values(inputs).map((t) => t.shape[0]));
  if (declaredInputs.every((d) => d.shape[0] === -1) && rows.size > 1) {
    throw invalidInput(`inputs disagree on the batch size (${[...rows].join(' vs ')})`);
  }
  const known = new Set(declaredOutputs.map((o) => o.name));
  for (const o of raw.outputs ?? []) {
    if (!known.has(o.name))
      throw invalidInput(`unknown output '${o.name}' (the model's outputs: ${[...known].join(', ')})`);
  }
  return {
    id: raw.id,
    parameters: raw.parameters ?? {},
    inputs,
    outputs: raw.outputs?.length ? raw.outputs : undefined,
  };
}

/** Request timeout from parameters: Triton's `timeout` (microseconds) or `timeout_ms`. */
export function requestTimeoutMs(parameters: Record<string, unknown>): number | undefined {
  const us = parameters.timeout;
  const ms = parameters.timeout_ms;
  if (us !== undefined && (typeof us !== 'number' || us <= 0))
    throw invalidInput('parameter timeout must be a positive number of microseconds');
  if (ms !== undefined && (typeof ms !== 'number' || ms <= 0))
    throw invalidInput('parameter timeout_ms must be a positive number');
  return typeof ms === 'number' ? ms : typeof us === 'number' ? us / 1000 : undefined;
}

/** Priority level from parameters (`priority`, 1 = highest). */
export function requestPriority(parameters: Record<string, unknown>): number | undefined {
  const p = parameters.priority;
  if (p === undefined) return undefined;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1)
    throw invalidInput('parameter priority must be a positive integer');
  return p;
}
