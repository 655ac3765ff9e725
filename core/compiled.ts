/**
 * True when this code runs compiled (plain JavaScript under dist/, as `npm start` runs it), false when it
 * runs from its TypeScript sources (vitest, `node --import tsx`: tests and dev tools).
 */
export const COMPILED: boolean = !import.meta.url.endsWith('.ts');

/** The extension of this build's own modules: `.js` compiled, `.ts` from the sources. */
export const MODULE_EXT: '.js' | '.ts' = COMPILED ? '.js' : '.ts';

/**
 * The file a worker thread starts from, for a worker whose code is `thread.ts` beside the module `from`
 * (pass `import.meta.url`). Compiled: `thread.js` itself, plain Node with no loader. From the sources:
 * `bootstrap.mjs` beside it, which registers tsx in the new thread (a worker does not inherit the
 * loader of vitest or of `--import tsx`) and then imports `thread.ts`.
 *
 * @example const worker = new Worker(workerEntry(import.meta.url), { workerData });
 */
export function workerEntry(from: string | URL): URL {
  return new URL(COMPILED ? './thread.js' : './bootstrap.mjs', from);
}
