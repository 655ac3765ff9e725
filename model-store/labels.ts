import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../core/errors.ts';
import { MAX_NAME_LENGTH, parseVersion, shown } from './names.ts';

/** The file (in a model's folder) holding its version labels as set at run time. */
export const LABELS_FILE = 'version-labels.json';

/** Label → version number. */
export type VersionLabels = Record<string, number>;

/** A label starts with a letter (so it never reads as a version number), then letters, digits, `_ . -`. */
const LABEL = new RegExp(`^[A-Za-z][A-Za-z0-9_.-]{0,${MAX_NAME_LENGTH - 1}}$`);

/** True when `label` is a valid version label (`stable`, `canary`, `blue-2`…). */
export function isVersionLabel(label: unknown): label is string {
  return typeof label === 'string' && LABEL.test(label);
}

/**
 * The one check for a version label entering the gateway: INVALID_NAME (400) otherwise.
 *
 * @example checkVersionLabel('canary'); // 'canary'
 */
export function checkVersionLabel(label: unknown): string {
  if (isVersionLabel(label)) return label;
  throw new GatewayError(
    'INVALID_NAME',
    `invalid version label '${shown(String(label))}': use a letter, then up to ${MAX_NAME_LENGTH - 1} letters, digits, '_', '.' or '-'`,
  );
}

/** Parses a label map (from config.json or the labels file); CONFIG_INVALID naming the problem. */
export function parseVersionLabels(raw: unknown, where: string): VersionLabels {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new GatewayError('CONFIG_INVALID', `${where}: version labels are an object {"label": version}`);
  const out: VersionLabels = {};
  for (const [label, version] of Object.entries(raw)) {
    const n = parseVersion(version);
    if (!isVersionLabel(label) || n === undefined)
      throw new GatewayError(
        'CONFIG_INVALID',
        `${where}: '${shown(label)}' → ${shown(String(version))} is not a valid label → version`,
      );
    out[label] = n;
  }
  return out;
}

/**
 * The labels of a model folder: the labels file when one was written (run-time changes win), else the
 * config's `versionLabels`.
 */
export function readVersionLabels(dir: string, declared: VersionLabels | undefined, model: string): VersionLabels {
  const file = join(dir, LABELS_FILE);
  if (!existsSync(file)) return { ...declared };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `model '${model}': ${LABELS_FILE} is not valid JSON (${(e as Error).message})`,
    );
  }
  return parseVersionLabels(raw, `model '${model}': ${LABELS_FILE}`);
}

/** Writes `data` as JSON to `file` atomically: a temporary file beside it, then a rename. */
export function writeJsonAtomic(file: string, data: unknown): void {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(temp, file);
}

/** Persists a model's labels in its folder (atomically). */
export function writeVersionLabels(dir: string, labels: VersionLabels): void {
  writeJsonAtomic(join(dir, LABELS_FILE), labels);
}
