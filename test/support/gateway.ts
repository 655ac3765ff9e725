import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../gateway/config.ts';
import { createGateway, type Gateway } from '../../gateway/app.ts';

export interface RunningGateway {
  url: string;
  gateway: Gateway;
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
  const gateway = await createGateway(loadConfig({ LOG_LEVEL: 'warn', ...env, PORT: '0', HOST: '127.0.0.1' }));
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: gateway.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  await gateway.start();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    gateway,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await gateway.close();
    },
  };
}

/** POSTs JSON and returns status and parsed body. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** A gateway over a fresh store holding one ONNX model (`<name>/1/model.onnx`, optional config). */
export async function startWithModel(name: string, onnx: Uint8Array, config?: unknown, env: Record<string, string> = {}): Promise<RunningGateway> {
  const { tempStore, writeModel } = await import('./tiny-models.ts');
  const store = tempStore();
  writeModel(store, name, 1, onnx, config);
  return startGateway({ MODEL_STORE: store, ...env });
}
