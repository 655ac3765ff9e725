import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { log } from '../../core/log.ts';
import { PACKAGE_ROOT } from '../../core/package-root.ts';
import type { GatewayEnv } from '../http/body.ts';
import { readAssets } from './assets.ts';
import { MetricsHistory } from './history.ts';
import { consoleRoutes } from './routes.ts';

/** The console's folder of static files: the repository's `console/`, from the sources and from dist/ alike. */
export const CONSOLE_DIR = join(PACKAGE_ROOT, 'console');

/**
 * The service console: its routes (the page at `/console`, `GET /v1/metrics/history`) and the metrics history
 * behind its charts, sampling the gateway's registry from now on (every 2 s, five minutes kept) until `close()`. A
 * checkout without `console/` serves no page (logged), the rest of the gateway is unaffected.
 *
 * @example
 * const ops = createConsole(metrics.registry);
 * app.route('/', ops.routes);
 * // at shutdown
 * ops.close();
 */
export function createConsole(registry: Registry, dir = CONSOLE_DIR): { routes: Hono<GatewayEnv>; close(): void } {
  const history = new MetricsHistory(registry);
  history.start();
  if (!existsSync(dir)) log.warn('console files missing: /console is not served', { dir });
  const assets = existsSync(dir) ? readAssets(dir) : new Map();
  return { routes: consoleRoutes(assets, history), close: () => history.stop() };
}
