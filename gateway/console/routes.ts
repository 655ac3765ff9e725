import { Hono, type Context } from 'hono';
import { invalidInput } from '../../core/errors.ts';
import type { GatewayEnv } from '../http/body.ts';
import type { Asset } from './assets.ts';
import type { MetricsHistory } from './history.ts';

/**
 * What the page may load: its own files and the gateway's API, nothing from elsewhere (no CDN, no inline script);
 * images, audio and canvases from files the operator picks (blob: and data: URLs).
 */
const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const send = (c: Context<GatewayEnv>, asset: Asset) => {
  const headers = {
    'content-type': asset.type,
    etag: asset.etag,
    'cache-control': 'no-cache',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
  return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, headers);
};

/**
 * The service console: the page (`GET /console`, its files under `/console/…`, each path registered once from the
 * files read at start-up, so no request path reaches the file system) and the metrics history it charts
 * (`GET /v1/metrics/history[?since=<ms>]`, admin: the samples after `since`, oldest first). Everything else the page
 * shows and does goes through the gateway's own API.
 */
export function consoleRoutes(assets: ReadonlyMap<string, Asset>, history: MetricsHistory): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const page = assets.get('index.html');
  if (page) {
    app.get('/console', (c) => send(c, page));
    app.get('/console/', (c) => c.redirect('/console', 301));
  }
  for (const [path, asset] of assets) if (path !== 'index.html') app.get(`/console/${path}`, (c) => send(c, asset));

  app.get('/v1/metrics/history', (c) => {
    const raw = c.req.query('since');
    const since = raw === undefined ? -Infinity : Number(raw);
    if (raw !== undefined && (raw.trim() === '' || !Number.isFinite(since)))
      throw invalidInput("'since' is a time in milliseconds since the epoch");
    return c.json({
      interval_s: history.intervalMs / 1000,
      keep: history.keep,
      samples: history.samples().filter((s) => s.t > since),
    });
  });
  return app;
}
