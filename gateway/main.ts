import { serve } from '@hono/node-server';
import { log } from '../core/log.ts';
import { loadConfig } from './config.ts';
import { createGateway } from './app.ts';

/** `npm start`: serves the model store on PORT (default 8080). Listens first, then loads models. */
const config = loadConfig();
const gateway = await createGateway(config);
const server = serve({ fetch: gateway.app.fetch, port: config.port, hostname: config.host }, (info) =>
  log.info('listening', { port: info.port, store: config.modelStore }),
);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { signal });
  server.close();
  await gateway.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

try {
  const t0 = performance.now();
  await gateway.start();
  log.info('ready', { models: gateway.repository.readyModels(), ms: Math.round(performance.now() - t0) });
} catch (e) {
  log.error('start-up failed', { error: (e as Error).message });
  process.exit(1);
}
