// Training-thread entry: registers tsx's loader in this thread, then runs the TypeScript worker
// (the same start as runtimes/worker/bootstrap.mjs, so it works under `npm start`, vitest and the load harness).
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
