import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GatewayError } from '../../core/errors.ts';
import { ROLES, type Role } from './roles.ts';

/** A configured API key: its role and the sha256 of the key (the key itself is not kept). */
export interface ApiKey {
  role: Role;
  /** sha256 of the key, hex. */
  digest: string;
  /** A short, non-secret name for the key (the digest's first 12 hex digits): rate-limit buckets and logs. */
  id: string;
}

const MIN_LENGTH = 16;
const invalid = (message: string) => new GatewayError('CONFIG_INVALID', `invalid configuration: ${message}`);

/** sha256 of a key, as a Buffer. */
function digestOf(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function entry(role: string, key: string, where: string): ApiKey {
  if (!(ROLES as readonly string[]).includes(role))
    throw invalid(`${where}: unknown role '${role.slice(0, 32)}' (roles: ${ROLES.join(', ')})`);
  if (key.length < MIN_LENGTH || /\s|,/.test(key))
    throw invalid(`${where}: a ${role} key must be at least ${MIN_LENGTH} characters with no spaces or commas`);
  const digest = digestOf(key).toString('hex');
  return { role: role as Role, digest, id: digest.slice(0, 12) };
}

/** `role:key` pairs; the key is everything after the first colon. Messages never quote a key. */
function pairs(items: string[], where: string): ApiKey[] {
  return items.map((item, i) => {
    const at = item.indexOf(':');
    if (at < 0) throw invalid(`${where}, entry ${i + 1}: expected role:key`);
    return entry(item.slice(0, at).trim(), item.slice(at + 1).trim(), `${where}, entry ${i + 1}`);
  });
}

function fromFile(file: string): ApiKey[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw invalid(`API_KEYS_FILE cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (/^\s*[[{]/.test(text)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw invalid('API_KEYS_FILE is not valid JSON');
    }
    const list = Array.isArray(json) ? json : (json as { keys?: unknown }).keys;
    if (!Array.isArray(list)) throw invalid('API_KEYS_FILE: expected [{"role": …, "key": …}] or {"keys": [...]}');
    return list.map((k, i) => {
      const { role, key } = (k ?? {}) as { role?: unknown; key?: unknown };
      if (typeof role !== 'string' || typeof key !== 'string')
        throw invalid(`API_KEYS_FILE, entry ${i + 1}: expected {"role": string, "key": string}`);
      return entry(role, key, `API_KEYS_FILE, entry ${i + 1}`);
    });
  }
  return pairs(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
    'API_KEYS_FILE',
  );
}

/**
 * The API keys from `API_KEYS` (`role:key,role:key`) and the file `API_KEYS_FILE` (one `role:key` a
 * line, `#` comments, or JSON `[{"role","key"}]`), hashed. A key listed twice with different roles is
 * a configuration error.
 *
 * @example readApiKeys('admin:0123456789abcdef0123', undefined)
 */
export function readApiKeys(list: string | undefined, file: string | undefined): ApiKey[] {
  const keys = [
    ...(list
      ? pairs(
          list
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          'API_KEYS',
        )
      : []),
    ...(file ? fromFile(file) : []),
  ];
  const roles = new Map<string, Role>();
  for (const k of keys) {
    if (roles.has(k.digest) && roles.get(k.digest) !== k.role)
      throw invalid('the same API key is listed with two roles');
    roles.set(k.digest, k.role);
  }
  return keys;
}

/**
 * Looks a presented key up among the configured ones: every stored digest is compared with
 * `timingSafeEqual` (no early exit), so the time taken says nothing about how close a guess was.
 */
export class KeyRing {
  private readonly entries: Array<{ key: ApiKey; digest: Buffer }>;

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map((key) => ({ key, digest: Buffer.from(key.digest, 'hex') }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The key matching `presented`, or undefined. */
  find(presented: string): ApiKey | undefined {
    const d = digestOf(presented);
    let found: ApiKey | undefined;
    for (const e of this.entries) if (timingSafeEqual(d, e.digest) && !found) found = e.key;
    return found;
  }
}
