import { getRequestListener } from '@hono/node-server';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { Gateway } from './app.ts';
import { UNMATCHED } from './http/access.ts';
import { REQUEST_ID_HEADER, requestInfo, type RequestInfo } from './http/request-id.ts';

interface ServerOptions {
  port: number;
  host: string;
  /** A client must send all headers within this time (ms); 408 after. */
  headersTimeoutMs: number;
  /** A client must send the whole request within this time (ms); 408 after. */
  requestTimeoutMs: number;
  /** Idle kept-alive connections are closed after this time (ms). */
  keepAliveTimeoutMs: number;
}

export interface GatewayServer {
  server: Server;
  url: string;
  port: number;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /**
   * Graceful shutdown: stops accepting connections, answers every request already received (with
   * `Connection: close`), answers requests that arrive on open connections meanwhile with 503 and
   * `Connection: close`, and resolves once none is left or after `timeoutMs`, when the remaining
   * connections are cut. Resolves `true` when everything was answered. Calling it again returns the
   * same promise.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

/** During a drain, a connection idle this long is closed (a shorter wait could reset a request already sent on it). */
const IDLE_GRACE_MS = 1_000;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

/**
 * Serves the gateway over Node's HTTP server and owns that server's life: timeouts for slow clients,
 * health probes answered before Hono (no routing, no body, no middleware: they stay fast when the
 * gateway is flooded), and graceful drain.
 *
 * @example
 * const srv = await listen(gateway, { port: 8080, host: '127.0.0.1', headersTimeoutMs: 10_000, requestTimeoutMs:
 * 60_000, keepAliveTimeoutMs: 5_000 });
 * process.on('SIGTERM', async () => { await srv.drain(30_000); await gateway.close(); process.exit(0); });
 */
export async function listen(gateway: Gateway, o: ServerOptions): Promise<GatewayServer> {
  const hono = getRequestListener(gateway.app.fetch);
  const open = new Set<ServerResponse>();
  let draining = false;
  let drained: Promise<boolean> | undefined;
  let onEmpty: (() => void) | undefined;

  const sockets = new Set<Socket>();
  /**
   * While draining: connections with no request in progress, and since when (not kept otherwise: no cost per request).
   */
  const idleSince = new Map<Socket, number>();
  /** Answers before Hono, recorded as Hono's answers are (metrics, access log), with its request id. */
  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
    code?: string,
  ) => {
    const t0 = performance.now();
    const info: RequestInfo = requestInfo(req.headers[REQUEST_ID_HEADER]);
    if (code !== undefined) info.code = code;
    json(res, status, body, { ...headers, [REQUEST_ID_HEADER]: info.id });
    const path = req.url ?? '/';
    const q = path.indexOf('?');
    gateway.answered({
      method: req.method ?? 'GET',
      route,
      path: q < 0 ? path : path.slice(0, q),
      status,
      ms: performance.now() - t0,
      info,
    });
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    if (draining) idleSince.delete(socket);
    open.add(res);
    res.once('close', () => {
      open.delete(res);
      if (draining && !socket.destroyed && sockets.has(socket)) idleSince.set(socket, Date.now());
      if (open.size === 0) onEmpty?.();
    });
    if (draining) {
      req.resume(); // read what the client sends, so that closing does not reset the connection under the answer
      return answer(
        req,
        res,
        UNMATCHED,
        503,
        { error: 'the server is shutting down', code: 'UNAVAILABLE' },
        { connection: 'close', 'retry-after': '1' },
        'UNAVAILABLE',
      );
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (req.url === '/v2/health/live') return answer(req, res, req.url, 200, { live: true });
      if (req.url === '/v2/health/ready') {
        const { ready, body } = gateway.readiness();
        return answer(req, res, req.url, ready ? 200 : 503, body);
      }
    }
    void hono(req, res);
  };

  const server = createServer(
    {
      headersTimeout: o.headersTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (its default, 30 s, would let them overrun by that much).
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.min(o.headersTimeoutMs, o.requestTimeoutMs) / 4)),
    },
    handler,
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      idleSince.delete(socket);
      if (draining && sockets.size === 0) onEmpty?.();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;

  return {
    server,
    port,
    url: `http://${host}:${port}`,
    get inFlight() {
      return open.size;
    },
    drain(timeoutMs) {
      drained ??= new Promise<boolean>((resolve) => {
        draining = true;
        // Stop listening without http.Server.close()'s closing of idle connections: a request already on
        // its way over one would be reset. Those connections get a 503 with Connection: close instead.
        NetServer.prototype.close.call(server);
        for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
        const busy = new Set([...open].map((res) => res.socket));
        const now = Date.now();
        for (const socket of sockets) if (!busy.has(socket)) idleSince.set(socket, now);
        let sweep: NodeJS.Timeout | undefined;
        const finish = (all: boolean) => {
          clearTimeout(timer);
          clearInterval(sweep);
          onEmpty = undefined;
          server.closeAllConnections();
          resolve(all);
        };
        const timer = setTimeout(() => finish(open.size === 0), timeoutMs);
        // A connection idle on our side may carry a request already on its way: closing it now would reset
        // that request. Each request that arrives is answered 503 with Connection: close (which closes its
        // connection); a connection is closed by us only once it has been idle for IDLE_GRACE_MS.
        sweep = setInterval(
          () => {
            const t = Date.now();
            for (const [socket, since] of idleSince) if (t - since >= IDLE_GRACE_MS) socket.destroy();
            if (sockets.size === 0) finish(open.size === 0);
          },
          Math.min(100, IDLE_GRACE_MS),
        );
        sweep.unref();
        onEmpty = () => {
          if (sockets.size === 0) finish(true);
        };
        if (sockets.size === 0) finish(true);
      });
      return drained;
    },
  };
}
