import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isGatewayError, type ErrorCode } from '../../core/errors.ts';
import { log } from '../../core/log.ts';

/** The one table from error codes to HTTP statuses. */
export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  INVALID_JSON: 400,
  INVALID_INPUT: 400,
  INVALID_NAME: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  RATE_LIMITED: 429,
  INVALID_IMAGE: 400,
  INVALID_AUDIO: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  MODEL_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  MODEL_NOT_READY: 503,
  MODEL_LOAD_FAILED: 400,
  QUEUE_FULL: 429,
  TIMEOUT: 504,
  CANCELLED: 499 as ContentfulStatusCode,
  QUORUM_LOST: 503,
  UNAVAILABLE: 503,
  CONFIG_INVALID: 400,
  PLUGIN_INVALID: 500,
  RUNTIME_UNAVAILABLE: 503,
  INFERENCE_FAILED: 500,
  INTERNAL: 500,
};

/** Status and body for any error: `{"error": message, "code": code}`; unknown errors are logged and hidden. */
export function errorBody(e: unknown): { status: ContentfulStatusCode; body: { error: string; code: string }; retryAfterS?: number } {
  if (isGatewayError(e)) {
    const status = STATUS[e.code] ?? 500;
    if (status >= 500 && status !== 503) log.error('request failed', { code: e.code, error: e.message });
    return { status, body: { error: e.message, code: e.code }, retryAfterS: e.retryAfterS };
  }
  log.error('unhandled error', { error: e instanceof Error ? e.stack : String(e) });
  return { status: 500, body: { error: 'internal error', code: 'INTERNAL' } };
}

/** Hono error handler: one error shape everywhere. */
export function onError(e: unknown, c: Context): Response {
  const { status, body, retryAfterS } = errorBody(e);
  if (retryAfterS !== undefined) c.header('Retry-After', String(Math.max(1, Math.ceil(retryAfterS))));
  return c.json(body, status);
}
