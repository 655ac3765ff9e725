import { context, isSpanContextValid, trace, type Context } from '@opentelemetry/api';
import { pino, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino';

/** A log threshold: lines below it are dropped; `silent` drops all. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The fields of one log line beside `time`, `level` and `msg`. */
export type LogFields = Record<string, unknown>;

/** A structured logger: `log.info(msg, fields?)` and the like. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /**
   * A logger whose every line also carries `bindings` (a request id…). It takes the level in force when it
   * is made.
   */
  child(bindings: LogFields): Logger;
  /** Whether a line at `level` would be written (to skip building fields that would be dropped). */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

/** Where log lines go: anything with a `write(line)` (a stream, or an array collector in tests). */
export type LogDestination = DestinationStream;

const NO_TRACE: LogFields = Object.freeze({});

/**
 * `trace_id`/`span_id` of the span `ctx` holds, when it has valid ids; the same empty object otherwise. The gateway
 * registers no context manager and passes each request's trace context explicitly: its request loggers and access
 * lines carry the ids from that context (gateway/http/request-id.ts).
 */
export function traceFields(ctx: Context | undefined): LogFields {
  const span = ctx === undefined ? undefined : trace.getSpan(ctx);
  if (span === undefined) return NO_TRACE;
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : NO_TRACE;
}

let level: LogLevel = 'info';

function create(destination: LogDestination): Pino {
  return pino(
    {
      level,
      base: null, // no pid or hostname: the process supervisor or container runtime adds those
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The active span's ids: none unless the process registers a context manager of its own.
      mixin: () => traceFields(context.active()),
      // The fields given win over the trace ids; with no trace the caller's object is written as it is.
      mixinMergeStrategy: (fields, ids) => (ids === NO_TRACE ? fields : Object.assign(ids, fields)),
    },
    destination,
  );
}

let root = create(process.stderr);

/** Sets the threshold: lines below it are dropped (`silent` drops all). Children made later follow it. */
export function setLogLevel(next: LogLevel): void {
  level = next;
  root.level = next;
}

/**
 * Sends log lines to `destination` (stderr when undefined), e.g. a collector in a test. Loggers made by
 * `child` before the call keep their destination.
 *
 * @example
 * const lines: string[] = [];
 * setLogDestination({ write: (line) => lines.push(line) });
 */
export function setLogDestination(destination?: LogDestination): void {
  root = create(destination ?? process.stderr);
}

function wrap(get: () => Pino): Logger {
  return {
    debug: (msg, fields) => (fields ? get().debug(fields, msg) : get().debug(msg)),
    info: (msg, fields) => (fields ? get().info(fields, msg) : get().info(msg)),
    warn: (msg, fields) => (fields ? get().warn(fields, msg) : get().warn(msg)),
    error: (msg, fields) => (fields ? get().error(fields, msg) : get().error(msg)),
    child(bindings) {
      const child = get().child(bindings);
      return wrap(() => child);
    },
    enabled: (level) => get().isLevelEnabled(level),
  };
}

/**
 * Structured logs through pino: one JSON line per event, on stderr unless `setLogDestination` says
 * otherwise. Every line has `time` (an ISO 8601 string, UTC), `level` (its label: debug, info, warn,
 * error), `msg`, the fields given, and `trace_id`/`span_id` when an OpenTelemetry span with valid ids is
 * active (only where a context manager is registered: the gateway registers none, its request loggers carry their
 * request's ids as bindings instead). The gateway's config sets the level at start-up (LOG_LEVEL);
 * tests silence it with `setLogLevel('silent')`.
 *
 * @example
 * log.info('model ready', { model: 'resnet', versions: [1] });
 * // {"level":"info","time":"2026-01-05T10:00:00.000Z","model":"resnet","versions":[1],"msg":"model ready"}
 */
export const log: Logger = wrap(() => root);
