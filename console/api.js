// @ts-check
/**
 * The gateway's API as the page calls it: same origin, the admin key (when the gateway has keys) as
 * `Authorization: Bearer`, every refusal turned into an `ApiError` carrying the gateway's own message and code.
 */

const KEY = 'massgate-console-key';

/** An answer other than 2xx, or no answer. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0: no answer)
   * @param {string} code the gateway's error code (`MODEL_NOT_FOUND`…), or `NETWORK`
   * @param {string} message the gateway's message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @type {Set<(error: ApiError) => void>} */
const keyListeners = new Set();

/** The key the page sends (kept for this tab only: sessionStorage), if any. */
export function apiKey() {
  return sessionStorage.getItem(KEY) ?? '';
}

/** @param {string} key an admin key, or '' to forget it */
export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/**
 * Calls `listener` when the gateway refuses the page's key (401: none or unknown; 403: not an admin key).
 *
 * @param {(error: ApiError) => void} listener
 */
export function onKeyRefused(listener) {
  keyListeners.add(listener);
}

/**
 * One API call. A body that is FormData goes as multipart; any other body as JSON.
 *
 * @example const index = await api('POST', '/v2/repository/index');
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>} the parsed JSON answer
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = {};
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  /** @type {BodyInit | undefined} */
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `the gateway did not answer (${e instanceof Error ? e.message : e})`);
  }
  const text = await res.text();
  /** @type {any} */
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok) return json;
  const error = new ApiError(
    res.status,
    typeof json?.code === 'string' ? json.code : `HTTP_${res.status}`,
    typeof json?.error === 'string' ? json.error : `${res.status} ${res.statusText}`,
  );
  if (res.status === 401 || res.status === 403) for (const l of keyListeners) l(error);
  throw error;
}

/**
 * A model name as a URL path segment.
 *
 * @param {string} name
 */
export const seg = (name) => encodeURIComponent(name);
