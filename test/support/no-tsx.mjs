// Preloaded (`node --import ./test/support/no-tsx.mjs`) by the test of the compiled gateway: refuses to
// resolve tsx or any TypeScript file, in the main thread and in every worker thread (threads inherit
// `--import`, so this runs again in each and says so on stderr). A worker that still needed tsx, or a
// `.ts` path left in the compiled code, fails to start.
import { register } from 'node:module';
import { threadId } from 'node:worker_threads';

const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'tsx' || specifier.startsWith('tsx/')) throw new Error('no-tsx guard: tsx imported (' + specifier + ') from ' + context.parentURL);
  const resolved = await next(specifier, context);
  if (/\\.(c|m)?ts$/.test(new URL(resolved.url).pathname)) throw new Error('no-tsx guard: TypeScript module ' + resolved.url + ' imported from ' + context.parentURL);
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
process.stderr.write(`no-tsx guard: thread ${threadId}\n`);
