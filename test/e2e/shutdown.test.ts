import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readLogLines } from '../support/logs.ts';
import { slowClassifier, tempStore, writeModel } from '../support/tiny-models.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BODY = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] });

type Outcome = { status: number; close: boolean; afterSignal: boolean } | { error: string };

/** One POST on a keep-alive agent: its status, or the error code (ECONNREFUSED: never sent; ECONNRESET…: lost). */
function post(port: number, agent: Agent, signalled: () => boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/v2/models/slow/infer',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode!, close: res.headers.connection === 'close', afterSignal: signalled() }),
        );
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(BODY);
  });
}

/** Reads one HTTP response's head from a raw socket; what came before a reset or close otherwise. */
const nextReply = (s: Socket) =>
  new Promise<string>((resolve) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        s.off('data', onData);
        resolve(text);
      }
    };
    s.on('data', onData);
    s.once('close', () => resolve(text || 'connection closed with no answer'));
  });

const rawConnection = (port: number) => connect(port, '127.0.0.1').on('error', () => {});

describe('graceful shutdown of the real process', () => {
  it('on SIGTERM answers every request it received (200, or 503 with Connection: close), resets none, and exits 0', async () => {
    const store = tempStore();
    writeModel(store, 'slow', 1, slowClassifier(4, 512), {
      instances: 1,
      batching: { maxBatchSize: 4, maxQueueDelayMs: 1, maxQueueSize: 1024 },
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        MODEL_STORE: store,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_S: '30',
        API_KEYS: '',
        API_KEYS_FILE: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const lines: Array<Record<string, unknown>> = [];
    const seen = (msg: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const check = () => {
          const l = lines.find((x) => x.msg === msg);
          if (l) return resolve(l);
          child.stderr.once('data', () => setImmediate(check));
        };
        check();
      });
    readLogLines(child.stderr, (l) => lines.push(l));
    try {
      const port = Number((await seen('listening')).port);
      await seen('ready');

      // An idle kept-alive connection, and a request whose body is not complete yet (received, not answered).
      const idle = rawConnection(port);
      idle.write(`GET /v2/health/live HTTP/1.1\r\nhost: x\r\n\r\n`);
      expect(await nextReply(idle)).toMatch(/^HTTP\/1\.1 200/);
      const partial = rawConnection(port);
      partial.write(
        `POST /v2/models/slow/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY.slice(0, 10)}`,
      );

      // Load: 16 keep-alive loops until each gets a 503 or cannot connect any more.
      let signalled = false;
      let ok = 0;
      const agent = new Agent({ keepAlive: true, maxSockets: 16 });
      const outcomes: Outcome[] = [];
      const loops = Array.from({ length: 16 }, async () => {
        for (;;) {
          const o = await post(port, agent, () => signalled);
          outcomes.push(o);
          if ('error' in o || o.status !== 200) return;
          if (++ok === 64) {
            signalled = true;
            child.kill('SIGTERM');
          }
        }
      });
      await seen('shutting down');

      // During the drain: a request on the idle connection gets 503 + Connection: close, not a reset…
      const idleReply = nextReply(idle);
      idle.write(`GET /v2/models/slow HTTP/1.1\r\nhost: x\r\n\r\n`);
      const drainReply = await idleReply;
      expect(drainReply).toMatch(/^HTTP\/1\.1 503/);
      expect(drainReply.toLowerCase()).toContain('connection: close');
      // …and the request received before the signal is answered once its body is complete.
      const partialReply = nextReply(partial);
      partial.write(BODY.slice(10));
      const answered = await partialReply;
      expect(answered).toMatch(/^HTTP\/1\.1 200/);
      expect(answered.toLowerCase()).toContain('connection: close');

      await Promise.all(loops);
      expect(await exited).toBe(0);
      agent.destroy();

      const errors = outcomes.filter((o): o is { error: string } => 'error' in o).map((o) => o.error);
      const answers = outcomes.filter((o) => !('error' in o)) as Array<{
        status: number;
        close: boolean;
        afterSignal: boolean;
      }>;
      expect(errors.filter((e) => e !== 'ECONNREFUSED')).toEqual([]); // none reset or hung up after being sent
      expect(new Set(answers.map((a) => a.status)).size).toBeLessThanOrEqual(2);
      expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
      // requests in flight at the signal were answered, with Connection: close
      expect(answers.filter((a) => a.afterSignal && a.status === 200 && a.close).length).toBeGreaterThan(0);
      expect(lines.find((l) => l.msg === 'stopped')?.drained).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
