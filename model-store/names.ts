import { GatewayError } from '../core/errors.ts';

/** Longest model name accepted (a folder name of the store). */
export const MAX_NAME_LENGTH = 128;

/**
 * Largest version number accepted (a version folder name; Triton's versions are int64, this bound is safe in a JS
 * number).
 */
export const MAX_VERSION = 2 ** 31 - 1;

/**
 * Letters, digits, `_`, `.` and `-`, starting with a letter or digit: never a path separator, never
 * `.` or `..`, never an absolute path, never empty.
 */
const NAME = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,${MAX_NAME_LENGTH - 1}}$`);
const VERSION = /^[1-9][0-9]{0,9}$/;

/** True when `name` is a valid model name (the rule of `checkModelName`). */
export function isModelName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}

/** The version number `version` spells, or undefined when it is not a positive integer up to MAX_VERSION. */
export function parseVersion(version: unknown): number | undefined {
  if (typeof version === 'number')
    return Number.isInteger(version) && version >= 1 && version <= MAX_VERSION ? version : undefined;
  if (typeof version !== 'string' || !VERSION.test(version)) return undefined;
  const n = Number(version);
  return n <= MAX_VERSION ? n : undefined;
}

/** A name cut short for an error message, so that an 8 KB name does not come back in full. */
export function shown(name: string): string {
  const s = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
  return s.slice(1, -1);
}

/**
 * The one check for every model name that enters the gateway (URL, v1 spec, ensemble member, load and
 * unload): throws INVALID_NAME (400) before anything is recorded.
 *
 * @example
 * checkModelName('resnet-50');   // 'resnet-50'
 * checkModelName('../etc');      // throws GatewayError INVALID_NAME
 */
export function checkModelName(name: unknown): string {
  if (isModelName(name)) return name;
  const s = typeof name === 'string' ? name : String(name);
  throw new GatewayError(
    'INVALID_NAME',
    `invalid model name '${shown(s)}': use 1 to ${MAX_NAME_LENGTH} letters, digits, '_', '.' or '-', starting with a letter or digit`,
  );
}

/**
 * The one check for a version that enters the gateway: a positive integer up to MAX_VERSION, else
 * INVALID_NAME (400).
 *
 * @example
 * checkVersion('2'); // 2
 */
export function checkVersion(version: unknown): number {
  const n = parseVersion(version);
  if (n !== undefined) return n;
  throw new GatewayError(
    'INVALID_NAME',
    `invalid version '${shown(String(version))}': versions are positive integers up to ${MAX_VERSION}`,
  );
}
