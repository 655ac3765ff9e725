// Training-thread entry when the gateway runs from its TypeScript sources (vitest, `node --import tsx`):
// registers tsx's loader in this thread, then runs the TypeScript worker. Compiled (`npm start`), the
// thread starts from dist/training/worker/thread.js directly, with no loader (core/compiled.ts).
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
