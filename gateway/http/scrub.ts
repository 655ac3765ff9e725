import { existsSync, realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { PACKAGE_ROOT } from '../../core/package-root.ts';

/** Absolute folders of this server → what a client sees instead, longest first. */
const roots: Array<[string, string]> = [];

/**
 * Registers a server folder whose absolute path must never reach a client: in error messages it is
 * replaced by `label` (the model store becomes `<model-store>`, so `<model-store>/m/1/model.onnx`
 * still tells the operator which file). Its resolved real path is registered too.
 */
export function addScrubRoot(path: string, label: string): void {
  const forms = new Set([resolve(path)]);
  try {
    if (existsSync(path)) forms.add(realpathSync(path));
  } catch {
    // an unreadable folder is still scrubbed under its given name
  }
  for (const p of forms) {
    if (p === sep || roots.some(([r]) => r === p)) continue;
    roots.push([p, label]);
  }
  roots.sort((a, b) => b[0].length - a[0].length);
}

const SERVER = PACKAGE_ROOT;
addScrubRoot(SERVER, '<server>');
addScrubRoot(join(SERVER, 'node_modules'), '<node_modules>'); // its real path too, where it is a link
addScrubRoot(process.cwd(), '<cwd>');
addScrubRoot(tmpdir(), '<tmp>');
addScrubRoot(homedir(), '<home>');

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Absolute paths under the usual top-level folders of Unix and macOS hosts, `file://` URLs and Windows
 * drive paths. API paths (/v1/…, /v2/…) are left alone, and so is a path glued to a word (`a/b`).
 */
const ANY_ABSOLUTE =
  /(?<![\w.~-])(?:file:\/\/)?\/(?:home|tmp|var|usr|etc|opt|srv|root|proc|sys|dev|mnt|media|run|private|Users|Volumes|nix|snap|app|data|work|workspace|models|lib|bin|sbin|boot)(?:\/[^\s'"`,;()[\]{}<>]*)?|(?<![\w])[A-Za-z]:\\[^\s'"`,;()[\]{}<>]*/g;

/**
 * A message with every absolute filesystem path of the server replaced: registered roots by their
 * label, other absolute paths by `<path>`. The last line of defence before an error reaches a client.
 *
 * @example scrubPaths('cannot read /srv/models/m/1/model.onnx') // 'cannot read <model-store>/m/1/model.onnx' (store at /srv/models)
 */
export function scrubPaths(message: string): string {
  let out = message;
  for (const [root, label] of roots) {
    if (out.includes(root))
      out = out.replace(new RegExp(`(?:file://)?${escapeRegExp(root)}(?=$|[\\\\/\\s'"\`,;:)\\]}])`, 'g'), label);
  }
  return out.replace(ANY_ABSOLUTE, '<path>');
}
