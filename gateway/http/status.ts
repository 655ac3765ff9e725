import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isGatewayError, type ErrorCode } from '../../core/errors.ts';
import { log, type Logger } from '../../core/log.ts';
import { infoOf, requestLog } from './request-id.ts';
import { scrubPaths } from './scrub.ts';

/** The one table from error codes to HTTP statuses. */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  INVALID_JSON: 400,
  INVALID_INPUT: 400,
  INVALID_NAME: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  REQUEST_TIMEOUT: 408,
  RATE_LIMITED: 429,
  INVALID_IMAGE: 400,
  INVALID_AUDIO: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  MODEL_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  NOT_TRAINABLE: 400,
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

/** What a client is told of an error that is the server's fault (status 500): the detail stays in the log. */
const GENERIC: Partial<Record<ErrorCode, string>> = {
  INFERENCE_FAILED: 'inference failed; the details are in the server log',
  PLUGIN_INVALID: "the model's plugin failed; the details are in the server log",
};

/**
 * Status and body for any error: `{"error": message, "code": code}`. Errors that are the server's fault
 * (status 500, unknown errors) are logged once with their detail (to `logger`: the request's, in a
 * request) and answered with a generic message; other messages keep their wording, with every absolute
 * server path scrubbed (gateway/http/scrub.ts).
 */
export function errorBody(
  e: unknown,
  logger: Logger = log,
): {
  status: ContentfulStatusCode;
  body: { error: string; code: string };
  retryAfterS?: number | undefined;
} {
  if (isGatewayError(e)) {
    const status = STATUS[e.code] ?? 500;
    if (status >= 500 && status !== 503) logger.error('request failed', { code: e.code, error: e.message });
    const message =
      status === 500 ? (GENERIC[e.code] ?? 'internal error; the details are in the server log') : scrubPaths(e.message);
    return {
      status,
      body: { error: message, code: status === 500 && !(e.code in STATUS) ? 'INTERNAL' : e.code },
      retryAfterS: e.retryAfterS,
    };
  }
  logger.error('unhandled error', { error: e instanceof Error ? e.stack : String(e) });
  return { status: 500, body: { error: 'internal error; the details are in the server log', code: 'INTERNAL' } };
}

/** Hono error handler: one error shape everywhere; the code goes to the request's access log line. */
export function onError(e: unknown, c: Context): Response {
  const { status, body, retryAfterS } = errorBody(e, requestLog(c));
  const info = infoOf(c);
  if (info !== undefined) info.code = body.code;
  if (retryAfterS !== undefined) c.header('Retry-After', String(Math.max(1, Math.ceil(retryAfterS))));
  return c.json(body, status);
}
