import type { Runtime } from '../runtime.ts';
import { GatewayError } from '../../core/errors.ts';

/** Placeholder until the TensorFlow.js adapter lands: refuses clearly instead of failing obscurely. */
export const tfjsRuntime: Runtime = {
  name: 'tfjs',
  async load() {
    throw new GatewayError('RUNTIME_UNAVAILABLE', 'the TensorFlow.js runtime is not built yet');
  },
};
