import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

/** A static file of the console page, held in memory. */
export interface Asset {
  body: Uint8Array;
  type: string;
  /** Strong validator: sha256 of the bytes, quoted. */
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The console's static files under `dir` (the repository's `console/`), read once: URL path below the mount
 * (`main.js`, `views/models.js`) → bytes, type and ETag. Only the kinds of file a page needs are served (HTML,
 * JavaScript, CSS, SVG); hidden files, type definitions and the rest stay out.
 *
 * @example const assets = readAssets(join(PACKAGE_ROOT, 'console'));
 */
export function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const e of readdirSync(folder, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const path = join(folder, e.name);
      if (e.isDirectory()) walk(path);
      const type = TYPES[extname(e.name)];
      if (!e.isFile() || type === undefined || e.name.endsWith('.d.ts')) continue;
      const body = readFileSync(path);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      assets.set(relative(dir, path).split(sep).join('/'), { body, type, etag });
    }
  };
  walk(dir);
  return assets;
}
