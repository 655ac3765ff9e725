import { log } from '../core/log.ts';
import { loadConfig, type GatewayConfig } from './config.ts';
import { createGateway, type Gateway } from './app.ts';
import { listen } from './server.ts';
import { startTracing, type Tracing } from './telemetry/tracing.ts';

/**
 * `npm start`: serves the model store on PORT (default 8080). Listens first, then loads models.
 * SIGTERM/SIGINT drain the server (SHUTDOWN_TIMEOUT_S), close workers and Redis, flush the last spans (tracing on),
 * and exit 0.
 */
let config: GatewayConfig;
try {
  config = loadConfig();
} catch (e) {
  log.error('configuration invalid', { error: (e as Error).message });
  process.exit(1);
}
let tracing: Tracing;
let gateway: Gateway;
try {
  // Before the gateway is built: its HTTP layer mounts the server span only when tracing is on.
  tracing = await startTracing(config.tracing);
  gateway = await createGateway(config);
} catch (e) {
  // A plugin refused (invalid, a version range it is outside, TypeScript under the compiled gateway…).
  log.error('start-up failed', { error: (e as Error).message });
  process.exit(1);
}
const server = await listen(gateway, { port: config.port, host: config.host, ...config.server });
log.info('listening', {
  host: config.host,
  port: server.port,
  store: config.modelStore,
  apiKeys: config.auth.keys.length,
  tracing: config.tracing.mode,
  ...(config.tracing.url ? { tracesUrl: config.tracing.url } : {}),
});
if (config.auth.keys.length === 0) {
  log.warn(
    config.auth.allowUnauthenticated
      ? `no API keys configured and ALLOW_UNAUTHENTICATED=true: anyone who can reach ${config.host}:${server.port} may run inference and load or unload models`
      : `no API keys configured: authentication is off, so the gateway listens on ${config.host} only; set API_KEYS or API_KEYS_FILE to serve other hosts`,
  );
}

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { signal, inFlight: server.inFlight, timeoutS: config.server.shutdownTimeoutMs / 1000 });
  const all = await server.drain(config.server.shutdownTimeoutMs);
  if (!all) log.warn('shutdown deadline passed: connections with unanswered requests were closed');
  try {
    await gateway.close();
  } catch (e) {
    log.error('closing failed', { error: (e as Error).message });
  }
  await tracing.shutdown(); // the last spans, waited for FLUSH_TIMEOUT_MS at most
  log.info('stopped', { drained: all });
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

try {
  const t0 = performance.now();
  await gateway.start();
  log.info('ready', { models: gateway.repository.readyModels(), ms: Math.round(performance.now() - t0) });
} catch (e) {
  if (stopping) await new Promise(() => {}); // a signal arrived during start-up: stop() exits
  log.error('start-up failed', { error: (e as Error).message });
  process.exit(1);
}
