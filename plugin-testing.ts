/**
 * `massgate/plugin/testing`: the conformance suites every plugin and runtime passes (vitest `describe`/`it`
 * inside, so a test file imports them, never the gateway), a plugin context over a real session, the
 * built-in runtimes to load one with, a session in a worker thread (`loadInWorker`, as the gateway runs
 * one), and a gateway to serve a plugin end to end in a test. Resolves to
 * the TypeScript sources only: it is not part of the compiled gateway.
 *
 * @example
 * import { contextFor, getRuntime, pluginConformance } from 'massgate/plugin/testing';
 *
 * pluginConformance(doubler, {
 *   ctx: async () => contextFor(await (await getRuntime('onnx')).load({ path: 'model.onnx' }), { params: {} }),
 *   validInstances: [[1, 2, 3, 4]],
 *   invalidInstances: ['text'],
 * });
 */
export { companionFor, contextFor, pluginConformance } from './plugins/conformance.ts';
export type { PluginConformanceOptions } from './plugins/conformance.ts';
export { runtimeConformance } from './runtimes/conformance.ts';
export type { RuntimeConformanceOptions } from './runtimes/conformance.ts';
export { getRuntime } from './runtimes/registry.ts';
export { loadInWorker } from './runtimes/worker/index.ts';
export { getJson, postJson, startGateway } from './test/support/gateway.ts';
export type { RunningGateway } from './test/support/gateway.ts';
