import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../redis.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A gateway in its own process (`node --import tsx gateway/main.ts`), so that a crash is seen as one. */
export interface ChildGateway {
  url: string;
  pid(): number | undefined;
  /** Whether the process is running. */
  alive(): boolean;
  /** Exit code or signal of the last exit, and the last 4 KB it wrote to stderr then. */
  exits: Array<{ code: number | null; signal: string | null; stderrTail: string }>;
  /** Resident set size in bytes (Linux /proc), worker threads included. */
  rss(): number;
  /** Resolves on exit (or at once if not running). */
  exited(): Promise<void>;
  restart(): Promise<void>;
  /** Sends a signal (SIGTERM for a graceful stop). */
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`gateway exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    try {
      if ((await fetch(`${url}/v2/health/ready`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway at ${url} not ready after ${timeoutMs} ms`);
}

/**
 * Starts the real gateway as a child process on a free loopback port and waits until it is ready.
 *
 * @example const gw = await startChildGateway({ MODEL_STORE: store }); … await gw.stop();
 */
export async function startChildGateway(env: Record<string, string>, port?: number): Promise<ChildGateway> {
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  let child!: ChildProcess;
  let stderr = '';
  let exitedPromise: Promise<void> = Promise.resolve();
  const exits: ChildGateway['exits'] = [];
  const launch = async () => {
    stderr = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'error', ...env, PORT: String(p), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4096)));
    exitedPromise = new Promise((r) =>
      child.once('exit', (code, signal) => {
        exits.push({ code, signal, stderrTail: stderr });
        r();
      }),
    );
    await waitReady(url, child, 120_000);
  };
  await launch();
  const running = () => child.exitCode === null && child.signalCode === null;
  const exited = () => exitedPromise;
  return {
    url,
    exits,
    pid: () => child.pid,
    alive: running,
    rss: () => {
      try {
        return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
      } catch {
        return NaN;
      }
    },
    exited,
    async restart() {
      if (running()) {
        child.kill('SIGKILL');
        await exited();
      }
      await launch();
    },
    signal: (sig) => child.kill(sig),
    async stop() {
      if (!running()) return;
      const done = exited();
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    },
  };
}
