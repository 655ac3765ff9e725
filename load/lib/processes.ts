import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The Node flags of `npm start` (e.g. `--single-threaded-gc`), so that load runs measure the gateway as it is started.
 */
function startFlags(): string[] {
  const start: string = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).scripts.start;
  const words = start.split(/\s+/).slice(1);
  return words.slice(
    0,
    words.findIndex((w) => !w.startsWith('-')),
  );
}

let built = false;

/** Compiles the gateway to dist/ (`npm run build`) once per load run, so that it measures the current sources. */
export function buildOnce(): void {
  if (built) return;
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

export interface Child {
  url: string;
  /** The process id (to read its threads' CPU time). */
  pid: number;
  stop(): Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} answered`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

function start(
  script: string,
  env: Record<string, string>,
  port: number,
  readyPath: string,
  flags: string[] = [],
): Promise<Child> {
  const compiled = script.endsWith('.js');
  const child = spawn(process.execPath, [...flags, ...(compiled ? [] : ['--import', 'tsx']), script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return waitFor(url + readyPath, child, 90_000).then(
    () => ({ url, pid: child.pid!, stop }),
    async (e) => {
      await stop();
      throw e;
    },
  );
}

/**
 * Starts the real gateway as `npm start` does (compiled: `dist/gateway/main.js`, built first) in a child
 * process and waits until it is ready.
 */
export function startGateway(env: Record<string, string>, port = 18080): Promise<Child> {
  buildOnce();
  return start('dist/gateway/main.js', env, port, '/v2/health/ready', startFlags());
}

/** Starts the plain Hono JSON echo server (the HTTP ceiling), on the same Node flags as the gateway. */
export const startEcho = (port = 18090) => start('load/lib/echo-server.ts', {}, port, '/health', startFlags());

/** What a scenario's caller may watch in one gateway run (the tracing scenario checks and meters its runs). */
export interface RunWatch {
  /** Sees one answer, before the warm-up. */
  probe?(answer: Response): void;
  /** Called just before the measured load with the gateway's process id; what it returns is called just after. */
  measure?(pid: number): () => void;
}
