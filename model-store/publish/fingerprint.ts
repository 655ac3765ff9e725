import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { parseVersion } from '../names.ts';

/** The file whose presence says a version folder is complete (the publisher writes it last). */
export const READY_MARKER = 'READY';

/** Most entries read per version folder, and deepest folder followed: a fingerprint stays cheap. */
const MAX_ENTRIES = 10_000;
const MAX_DEPTH = 8;

/** What one poll sees of a version folder. */
export interface VersionSighting {
  /** Relative paths with sizes and mtimes of every file: equal fingerprints = unchanged contents. */
  fingerprint: string;
  /** The folder holds a READY marker: complete, no need to wait for it to settle. */
  ready: boolean;
  /** No file yet (a folder just made): not a version to act on. */
  empty: boolean;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path); // follows symlinks: a linked file's contents count
  } catch {
    return undefined; // vanished meanwhile, or a dangling link
  }
}

/** Every file below `dir` as `path:size:mtime`, in a stable order (bounded by MAX_ENTRIES and MAX_DEPTH). */
function listFiles(dir: string, prefix: string, depth: number, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (out.length >= MAX_ENTRIES) return;
    const st = statOrUndefined(join(dir, name));
    if (!st) continue;
    const rel = prefix ? `${prefix}/${name}` : name;
    if (st.isDirectory()) {
      if (depth < MAX_DEPTH) listFiles(join(dir, name), rel, depth + 1, out);
    } else if (st.isFile()) {
      out.push(`${rel}:${st.size}:${st.mtimeMs}`);
    }
  }
}

/** One version folder as a poll sees it. */
export function sightVersion(dir: string): VersionSighting {
  const files: string[] = [];
  listFiles(dir, '', 0, files);
  return { fingerprint: files.join('\n'), ready: files.some((f) => f.startsWith(`${READY_MARKER}:`)), empty: files.length === 0 };
}

/**
 * The numeric version folders of a model folder, each as a poll sees it. Hidden and non-numeric
 * entries (`.tmp-3`, `3.partial`) are not versions and are left out: write there, then rename.
 *
 * @example
 * sightVersions('/srv/models/scale'); // Map { 1 => { fingerprint: 'model.onnx:120:1700000000000', ready: false, empty: false } }
 */
export function sightVersions(modelDir: string): Map<number, VersionSighting> {
  const out = new Map<number, VersionSighting>();
  let names: string[];
  try {
    names = readdirSync(modelDir);
  } catch {
    return out;
  }
  for (const name of names) {
    const version = parseVersion(name);
    if (version === undefined) continue;
    const st = statOrUndefined(join(modelDir, name));
    if (st?.isDirectory()) out.set(version, sightVersion(join(modelDir, name)));
  }
  return out;
}
