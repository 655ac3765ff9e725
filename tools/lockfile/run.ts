import { readFileSync, writeFileSync } from 'node:fs';

/**
 * `npm run lockfile`: adds the lockfile entries `npm install` leaves out when the registry it reaches lacks a
 * package's optional platform binaries (this project's build machine reaches a mirror without Biome's darwin,
 * win32, android and musl builds). Without them `npm ci` refuses the lockfile as out of sync on every machine.
 * Each entry gets the version its parent pins and the os/cpu/libc its name states, and no integrity (the
 * mirror cannot give one): a machine of that platform fetches it from its registry; any other skips it.
 */
type Entry = {
  version: string;
  optionalDependencies?: Record<string, string>;
  license?: string;
  engines?: unknown;
  dev?: boolean;
};
const PLATFORM = /(android|darwin|freebsd|linux|openbsd|sunos|win32)-(arm64|arm|ia32|x64)(?:-(musl|gnu))?$/;

const path = 'package-lock.json';
const lock = JSON.parse(readFileSync(path, 'utf8')) as { packages: Record<string, Entry> };
const added: string[] = [];
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const at = `node_modules/${name}`;
    const m = PLATFORM.exec(name);
    if (lock.packages[at] || !m || !/^\d+\.\d+\.\d+/.test(version)) continue;
    lock.packages[at] = {
      version,
      cpu: [m[2]],
      ...(entry.dev ? { dev: true } : {}),
      ...(m[1] === 'linux' ? { libc: [m[3] === 'musl' ? 'musl' : 'glibc'] } : {}),
      ...(entry.license ? { license: entry.license } : {}),
      optional: true,
      os: [m[1]],
      ...(entry.engines ? { engines: entry.engines } : {}),
    } as Entry;
    added.push(`${name}@${version} (for ${key.replace(/^node_modules\//, '')})`);
  }
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(path, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
process.stdout.write(added.length ? `added ${added.join(', ')}\n` : 'nothing missing\n');
