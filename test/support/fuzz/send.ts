import { type Agent, type ClientRequest, request } from 'node:http';
import type { FuzzCase } from './case.ts';

/** What came back for one request: a status and (the first MiB of) the body, or a client-side error. */
export interface Outcome {
  status?: number | undefined;
  body: Buffer;
  /**
   * `timeout` (no answer in time), `reset` (connection reset / closed without an answer), `refused`, `client` (not
   * sendable), or the error code.
   */
  error?: string;
  ms: number;
}

const KEEP = 1 << 20;

/** Sends one case over `agent` with a client-side timeout; never rejects. */
export function send(base: URL, c: FuzzCase, agent: Agent, timeoutMs: number): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: Omit<Outcome, 'ms'>) => {
      if (done) return;
      done = true;
      resolve({ ...o, ms: performance.now() - t0 });
    };
    const headers: Record<string, string | number> = { ...c.headers };
    const chunks =
      c.body !== undefined && typeof c.body === 'object' && !Buffer.isBuffer(c.body) ? c.body.chunks : undefined;
    const body = chunks
      ? undefined
      : c.body === undefined
        ? undefined
        : Buffer.isBuffer(c.body)
          ? c.body
          : Buffer.from(c.body as string);
    if (body) headers['content-length'] = body.length;
    let req: ClientRequest;
    try {
      req = request({ host: base.hostname, port: base.port, method: c.method, path: c.path, headers, agent }, (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          if (size < KEEP) parts.push(d);
          size += d.length;
        });
        res.on('end', () => finish({ status: res.statusCode, body: Buffer.concat(parts) }));
        res.on('error', () => finish({ status: res.statusCode, body: Buffer.concat(parts), error: 'reset' }));
        res.on('aborted', () => finish({ status: res.statusCode, body: Buffer.concat(parts), error: 'reset' }));
      });
    } catch (e) {
      return finish({ body: Buffer.alloc(0), error: `client: ${(e as Error).message.slice(0, 80)}` });
    }
    req.setTimeout(timeoutMs, () => {
      finish({ body: Buffer.alloc(0), error: 'timeout' });
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      finish({
        body: Buffer.alloc(0),
        error:
          e.code === 'ECONNREFUSED'
            ? 'refused'
            : e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.message === 'socket hang up'
              ? 'reset'
              : (e.code ?? e.message),
      }),
    );
    if (chunks) {
      for (const ch of chunks) req.write(ch);
      req.end();
    } else req.end(body);
  });
}
