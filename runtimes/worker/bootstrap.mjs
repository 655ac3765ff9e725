// Worker-thread entry: registers tsx's loader in this thread, then runs the TypeScript worker.
// (A plain .mjs file so that the worker starts the same way under `npm start`, vitest and the load harness.)
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
