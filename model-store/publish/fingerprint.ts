import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { parseVersion } from '../names.ts';

/** The file whose presence says a version folder is complete (the publisher writes it last). */
const READY_MARKER = 'READY';

/**
 * Most entries (files and folders) read per version folder, and deepest folder descended: a fingerprint stays cheap.
 */
const MAX_ENTRIES = 10_000;
const MAX_DEPTH = 8;

/** What one poll sees of a version folder. */
interface VersionSighting {
  /** Relative paths with sizes and mtimes of every file: equal fingerprints = unchanged contents. */
  fingerprint: string;
  /** The folder holds a READY marker: complete, no need to wait for it to settle. */
  ready: boolean;
  /** No file yet (a folder just made): not a version to act on. */
  empty: boolean;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined; // vanished meanwhile, or a dangling link
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Every file below `dir` as `path:size:mtime`, in a stable order. A symlinked file counts with its
 * target's size and mtime; a symlinked folder is listed as a link and not followed (no loops). At most
 * MAX_ENTRIES entries (files and folders) are read and MAX_DEPTH folders descended.
 */
function listFiles(dir: string, prefix: string, depth: number, out: string[], budget: { left: number }): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (--budget.left < 0) return;
    const path = join(dir, name);
    const link = lstatOrUndefined(path);
    const st = link?.isSymbolicLink() ? statOrUndefined(path) : link;
    if (!st) continue;
    const rel = prefix ? `${prefix}/${name}` : name;
    if (st.isDirectory()) {
      if (link!.isSymbolicLink()) out.push(`${rel}:link`);
      else if (depth < MAX_DEPTH) listFiles(path, rel, depth + 1, out, budget);
    } else if (st.isFile()) {
      out.push(`${rel}:${st.size}:${st.mtimeMs}`);
    }
  }
}

/** One version folder as a poll sees it. */
export function sightVersion(dir: string): VersionSighting {
  const files: string[] = [];
  listFiles(dir, '', 0, files, { left: MAX_ENTRIES });
  return {
    fingerprint: files.join('\n'),
    ready: files.some((f) => f.startsWith(`${READY_MARKER}:`)),
    empty: files.length === 0,
  };
}

/**
 * The numeric version folders of a model folder, each as a poll sees it. Hidden and non-numeric
 * entries (`.tmp-3`, `3.partial`) are not versions and are left out: write there, then rename.
 *
 * @example
 * sightVersions('/srv/models/scale'); // Map { 1 => { fingerprint: 'model.onnx:120:1700000000000', ready: false, empty:
 * false } }
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
