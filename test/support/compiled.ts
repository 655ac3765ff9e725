import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NO_TSX = fileURLToPath(new URL('./no-tsx.mjs', import.meta.url));

/** Compiles the gateway to dist/ as `npm ci` does (`npm run build`). */
export function buildDist(): void {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `npm start`'s command line (package.json `scripts.start`) as [flags…, script], without `node`. */
export function startCommand(): string[] {
  const start = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [node, ...args] = start.split(/\s+/);
  if (node !== 'node') throw new Error(`npm start does not run node: ${start}`);
  return args;
}

export interface CompiledGateway {
  url: string;
  /** The process's structured log lines so far (its stderr, parsed), and its other stderr lines. */
  lines: Array<Record<string, unknown>>;
  other: string[];
  /** Resolves with the first log line whose `msg` is `msg` (at once when it was already written). */
  seen(msg: string): Promise<Record<string, unknown>>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Ends the process at once if it still runs (for `afterAll` after a failed test). */
  kill(): void;
}

/**
 * Starts the compiled gateway exactly as `npm start` does, in its own process on an ephemeral port, with
 * `test/support/no-tsx.mjs` preloaded: tsx and TypeScript modules cannot be resolved in it or in any of
 * its worker threads. NODE_OPTIONS is cleared, so nothing of the test runner's leaks in.
 */
export async function startCompiled(env: Record<string, string>): Promise<CompiledGateway> {
  const [flags, script] = [startCommand().slice(0, -1), startCommand().at(-1)!];
  const child = spawn(process.execPath, [...flags, '--import', NO_TSX, script], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', API_KEYS: '', API_KEYS_FILE: '', LOG_LEVEL: 'info', ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: Array<Record<string, unknown>> = [];
  const other: string[] = [];
  const waiting: Array<() => void> = [];
  let buf = '';
  child.stderr.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      const text = buf.slice(0, i);
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        other.push(text);
      }
    }
    for (const w of waiting.splice(0)) w();
  });
  const seen = (msg: string) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const check = () => {
      const line = lines.find((l) => l.msg === msg);
      if (line) return resolve(line);
      if (child.exitCode !== null) return reject(new Error(`the gateway exited (${child.exitCode}) before logging '${msg}':\n${[...other, ...lines.map((l) => JSON.stringify(l))].join('\n')}`));
      waiting.push(check);
    };
    check();
  });
  void exited.then(() => {
    for (const w of waiting.splice(0)) w();
  });
  try {
    const port = Number((await seen('listening')).port);
    return {
      url: `http://127.0.0.1:${port}`,
      lines,
      other,
      seen,
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        return exited;
      },
      kill() {
        if (child.exitCode === null) child.kill('SIGKILL');
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}
