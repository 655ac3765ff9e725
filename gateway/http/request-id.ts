import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { Context as TraceContext } from '@opentelemetry/api';
import { log, traceFields, type Logger } from '../../core/log.ts';

/** The header a request id is read from and answered in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** 1 to 128 characters from a set safe in a header, a log line and a URL: letters, digits, `_ . : + = @ / -`. */
const SANE = /^[\w.:+=@/-]{1,128}$/;

/** Whether `id` may serve as a request id (`x-request-id`, or a v2 body's `id`). */
export function saneRequestId(id: unknown): id is string {
  return typeof id === 'string' && SANE.test(id);
}

/** What the gateway knows of one request while it is served: its id, the model that served it, its error code. */
export interface RequestInfo {
  /** The request id: the client's `x-request-id` if sane, else the v2 body's `id` if sane, else a UUID. */
  id: string;
  /** Where `id` came from. */
  idFrom: 'header' | 'body' | 'generated';
  /** The model and version that served it, once resolved. */
  model?: string;
  version?: string;
  /** The error code it was answered with, if any. */
  code?: string;
  /** Tracing on: its trace context (its server span's), whose ids its log lines carry. */
  trace?: TraceContext | undefined;
  /** Its logger (made on first use by `requestLog`). */
  log?: Logger | undefined;
}

/** The request's info (undefined outside the gateway's request middleware, e.g. in a test's own Hono app). */
export function infoOf(c: { get(key: 'request'): unknown }): RequestInfo | undefined {
  return c.get('request') as RequestInfo | undefined;
}

/** A request's info from its `x-request-id` header (a fresh UUID when it has none, or one that is not sane). */
export function requestInfo(header: unknown): RequestInfo {
  return saneRequestId(header) ? { id: header, idFrom: 'header' } : { id: randomUUID(), idFrom: 'generated' };
}

/**
 * Takes a v2 body's `id` as the request id when the client sent no sane `x-request-id` and the `id` is sane
 * itself; the response's `x-request-id` follows. Nothing happens outside the gateway's request middleware.
 */
export function adoptBodyId(c: Context, id: unknown): void {
  const info = infoOf(c);
  if (info === undefined || info.idFrom === 'header' || !saneRequestId(id) || id === info.id) return;
  info.id = id;
  info.idFrom = 'body';
  info.log = undefined;
  c.header(REQUEST_ID_HEADER, id);
}

/** The request's id (a fresh UUID outside the gateway's request middleware). */
export function requestId(c: Context): string {
  return infoOf(c)?.id ?? randomUUID();
}

/**
 * The request's logger: every line carries its `request_id` and, tracing on, its `trace_id`/`span_id` (the process
 * logger outside the middleware).
 */
export function requestLog(c: Context): Logger {
  const info = infoOf(c);
  if (info === undefined) return log;
  info.log ??= log.child({ request_id: info.id, ...traceFields(info.trace) });
  return info.log;
}
