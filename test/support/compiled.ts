import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readLogLines } from './logs.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NO_TSX = fileURLToPath(new URL('./no-tsx.mjs', import.meta.url));

/** Compiles the gateway to dist/ as `npm ci` does (`npm run build`). */
export function buildDist(): void {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `npm start`'s command line (package.json `scripts.start`) as [flags…, script], without `node`. */
export function startCommand(): string[] {
  const start = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: { start: string } }).scripts
    .start;
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

interface Spawned {
  lines: Array<Record<string, unknown>>;
  other: string[];
  exited: Promise<number | null>;
  seen(msg: string): Promise<Record<string, unknown>>;
  kill(signal: NodeJS.Signals): void;
  running(): boolean;
}

/**
 * Spawns `npm start`'s command, with the no-tsx guard unless `guard` is false, and collects its stderr (log lines
 * parsed).
 */
function spawnCompiled(env: Record<string, string>, guard = true): Spawned {
  const [flags, script] = [startCommand().slice(0, -1), startCommand().at(-1)!];
  const child = spawn(process.execPath, [...flags, ...(guard ? ['--import', NO_TSX] : []), script], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      API_KEYS: '',
      API_KEYS_FILE: '',
      LOG_LEVEL: 'info',
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const other: string[] = [];
  const waiting: Array<() => void> = [];
  const wake = () => {
    for (const w of waiting.splice(0)) w();
  };
  readLogLines(
    child.stderr,
    (l) => lines.push(l),
    (text) => other.push(text),
    wake,
  );
  // 'close' (not 'exit'): stderr has been read to its end.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  void exited.then(wake);
  const seen = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const line = lines.find((l) => l.msg === msg);
        if (line) return resolve(line);
        if (child.exitCode !== null || child.signalCode !== null) {
          return reject(
            new Error(
              `the gateway exited (${child.exitCode}) before logging '${msg}':\n${[...other, ...lines.map((l) => JSON.stringify(l))].join('\n')}`,
            ),
          );
        }
        waiting.push(check);
      };
      check();
    });
  return {
    lines,
    other,
    exited,
    seen,
    kill: (signal) => child.kill(signal),
    running: () => child.exitCode === null && child.signalCode === null,
  };
}

/**
 * Starts the compiled gateway exactly as `npm start` does, in its own process on an ephemeral port, with
 * `test/support/no-tsx.mjs` preloaded: tsx and TypeScript modules cannot be resolved in it or in any of
 * its worker threads. NODE_OPTIONS is cleared, so nothing of the test runner's leaks in. Resolves once it
 * listens.
 */
export async function startCompiled(env: Record<string, string>): Promise<CompiledGateway> {
  const p = spawnCompiled(env);
  try {
    const port = Number((await p.seen('listening')).port);
    return {
      url: `http://127.0.0.1:${port}`,
      lines: p.lines,
      other: p.other,
      seen: p.seen,
      async stop() {
        if (p.running()) p.kill('SIGTERM');
        return p.exited;
      },
      kill() {
        if (p.running()) p.kill('SIGKILL');
      },
    };
  } catch (e) {
    p.kill('SIGKILL');
    throw e;
  }
}

/**
 * Runs the compiled gateway as `startCompiled` does until it exits by itself (a start-up that fails): its
 * exit code and log. `guard: false` leaves the no-tsx guard out, to see what plain Node does with a `.ts` module.
 */
export async function runCompiledUntilExit(
  env: Record<string, string>,
  o: { guard?: boolean } = {},
): Promise<{ code: number | null; lines: Array<Record<string, unknown>>; other: string[] }> {
  const p = spawnCompiled(env, o.guard ?? true);
  const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, lines: p.lines, other: p.other };
}
