/**
 * `massgate/plugin`: what a plugin or runtime author imports (package.json `exports`), so that code outside
 * the gateway's layers never reaches into them. Compiled (`npm start`) it resolves to `dist/plugin-api.js`,
 * the same modules the gateway runs; from the sources (tests, `npm run dev`) to this file. The conformance
 * suites, which need vitest, are in `massgate/plugin/testing`.
 *
 * @example
 * import { definePlugin, invalidInput, type Tensor } from 'massgate/plugin';
 *
 * export const massgate = '^0.1.0'; // the gateway versions this module works with, checked at start-up
 * export const doubler = definePlugin<number[]>({ name: 'doubler', modality: 'tensor', … });
 */
export { definePlugin } from './plugins/plugin.ts';
export type {
  CompanionModel,
  FinetuneCapability,
  ModelPlugin,
  PluginContext,
  StreamCapability,
  StreamSession,
  TimeSegment,
} from './plugins/plugin.ts';
export type { HeadSpec, LoadSpec, Runtime, RuntimeSession } from './runtimes/runtime.ts';
export { defineWorkerStep } from './runtimes/worker/step.ts';
export type { StepContext, WorkerStep } from './runtimes/worker/step.ts';
export { ERROR_CODES, GatewayError, invalidInput, isGatewayError } from './core/errors.ts';
export type { ErrorCode } from './core/errors.ts';
export { DATATYPES, elementCount, fromUtf8, shapeMatches, utf8 } from './core/tensor.ts';
export type { DataType, DataTypeMap, Tensor, TensorData, TensorInfo } from './core/tensor.ts';
export { decodeImage, toFloat } from './plugins/image/decode.ts';
export type { DecodedImage, DecodeOptions } from './plugins/image/decode.ts';
export { PACKAGE_VERSION as VERSION } from './core/package-root.ts';
