import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../gateway/config.ts';
import { createGateway, type Gateway } from '../../gateway/app.ts';
import { listen, type GatewayServer } from '../../gateway/server.ts';

export interface RunningGateway {
  url: string;
  gateway: Gateway;
  /** The HTTP server (the same one `npm start` runs). */
  server: GatewayServer;
  close(): Promise<void>;
}

/**
 * Boots the real gateway on an ephemeral port over real HTTP, with the given environment overrides.
 *
 * @example
 * const gw = await startGateway({ MODEL_STORE: dir });
 * await fetch(`${gw.url}/v2/health/ready`);
 */
export async function startGateway(env: Record<string, string> = {}): Promise<RunningGateway> {
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    STORE_POLL_S: '0' /* tests that publish by file drop turn it on */,
    ...env,
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const gateway = await createGateway(config);
  const server = await listen(gateway, { ...config.server, port: 0, host: '127.0.0.1' });
  await gateway.start();
  return {
    url: server.url,
    gateway,
    server,
    async close() {
      await server.drain(5_000);
      await gateway.close();
    },
  };
}

/**
 * The gateway of one `describe` block: started before its first test (from environment overrides, or by
 * `start` — `startWithModel`, or set-up that writes a store first), closed after its last. Its fields
 * are read inside tests.
 *
 * @example
 * describe('emotion', () => {
 *   const gw = useGateway({ LOAD_MODELS: 'emotion-human' });
 *   it('answers', async () => expect((await getJson(`${gw.url}/v2/health/ready`)).status).toBe(200));
 * });
 */
export function useGateway(start: Record<string, string> | (() => Promise<RunningGateway>)): RunningGateway {
  let running: RunningGateway | undefined;
  beforeAll(async () => {
    running = typeof start === 'function' ? await start() : await startGateway(start);
  });
  afterAll(async () => {
    await running?.close();
    running = undefined;
  });
  const current = (): RunningGateway => {
    if (!running) throw new Error('the gateway runs only while the tests of its describe block do');
    return running;
  };
  return {
    get url() {
      return current().url;
    },
    get gateway() {
      return current().gateway;
    },
    get server() {
      return current().server;
    },
    close: () => current().close(),
  };
}

/**
 * A response body as the end-to-end tests read it: parsed JSON, reached into by path, each value checked by
 * `expect`. Typing every answer would only restate the assertions, so it is `any` on purpose, here once.
 */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON by path; expect() checks each value
export type JsonBody = any;

/** POSTs JSON and returns status and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: JsonBody; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function getJson(url: string): Promise<{ status: number; body: JsonBody }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** A gateway over a fresh store holding one ONNX model (`<name>/1/model.onnx`, optional config). */
export async function startWithModel(
  name: string,
  onnx: Uint8Array,
  config?: unknown,
  env: Record<string, string> = {},
): Promise<RunningGateway> {
  const { tempStore, writeModel } = await import('./tiny-models.ts');
  const store = tempStore();
  writeModel(store, name, 1, onnx, config);
  return startGateway({ MODEL_STORE: store, ...env });
}
