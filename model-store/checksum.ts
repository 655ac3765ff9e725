import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { GatewayError } from '../core/errors.ts';
import type { ModelEntry, VersionEntry } from './scan.ts';

/** SHA-256 of a file as lower-case hex, streamed (64 KiB at a time, never the whole file in memory). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 64 * 1024 }), hash);
  return hash.digest('hex');
}

/** The digest config.json expects for a version, or undefined when the config names none at all. */
function expectedSha256(entry: ModelEntry, version: number): string | undefined {
  const sha = entry.config.sha256;
  if (sha === undefined) return undefined;
  const expected = typeof sha === 'string' ? sha : sha[String(version)];
  if (expected === undefined) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `model '${entry.name}': config.json has sha256 digests but none for version ${version}`,
    );
  }
  return expected;
}

/**
 * Checks a version's model file against the sha256 its config.json names (nothing to do when it names
 * none). An ensemble or a model that is a folder (nsfwjs's packaging) cannot be pinned: CONFIG_INVALID.
 * A mismatch is MODEL_LOAD_FAILED naming the file relative to the store or the package.
 */
export async function verifyVersion(entry: ModelEntry, version: VersionEntry): Promise<void> {
  const expected = expectedSha256(entry, version.version);
  if (expected === undefined) return;
  if (!version.path || !statSync(version.path).isFile()) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `model '${entry.name}': sha256 needs a model file, and version ${version.version} has none (ensemble or folder)`,
    );
  }
  const actual = await sha256File(version.path);
  if (actual !== expected) {
    throw new GatewayError(
      'MODEL_LOAD_FAILED',
      `model '${entry.name}': ${version.shownPath} has sha256 ${actual}, config.json expects ${expected}`,
    );
  }
}
