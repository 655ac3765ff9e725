import { describe, expect, it } from 'vitest';
import { context, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { log, setLogLevel } from './log.ts';
import { captureLogs } from '../test/support/logs.ts';

const { read } = captureLogs();

/** Runs `fn` with a span of `ids` active (as a tracer would make it current). */
function inSpan(ids: SpanContext, fn: () => void): void {
  context.with(trace.setSpan(context.active(), trace.wrapSpanContext(ids)), fn);
}

describe('log', () => {
  it('writes one JSON line per event: ISO time, level label, msg and the fields', () => {
    log.info('model ready', { model: 'm', versions: [1, 2] });
    log.warn('100% plain, no placeholders');
    const [a, b] = read();
    expect(a).toEqual({ level: 'info', time: expect.any(String), msg: 'model ready', model: 'm', versions: [1, 2] });
    expect(new Date(String(a?.time)).toISOString()).toBe(a?.time);
    expect(b).toEqual({ level: 'warn', time: expect.any(String), msg: '100% plain, no placeholders' });
  });

  it('drops lines below the level, and all of them when silent', () => {
    log.debug('not yet');
    setLogLevel('debug');
    log.debug('now');
    setLogLevel('error');
    log.warn('dropped');
    log.error('kept');
    setLogLevel('silent');
    log.error('dropped too');
    expect(read().map((l) => [l.level, l.msg])).toEqual([
      ['debug', 'now'],
      ['error', 'kept'],
    ]);
    expect(log.enabled('error')).toBe(false);
    setLogLevel('warn');
    expect([log.enabled('info'), log.enabled('warn')]).toEqual([false, true]);
  });

  it('gives children their bindings on every line', () => {
    const child = log.child({ request_id: 'r-1' });
    child.info('one');
    child.error('two', { code: 'INTERNAL' });
    log.info('root');
    expect(read().map(({ time: _, ...l }) => l)).toEqual([
      { level: 'info', request_id: 'r-1', msg: 'one' },
      { level: 'error', request_id: 'r-1', code: 'INTERNAL', msg: 'two' },
      { level: 'info', msg: 'root' },
    ]);
  });

  it("carries the active span's trace and span ids, only when they are valid", () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const ids = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
      inSpan(ids, () => log.child({ request_id: 'r-2' }).info('traced', { n: 1 }));
      inSpan({ ...ids, traceId: '0'.repeat(32) }, () => log.info('invalid trace id'));
      log.info('no span');
      const [traced, invalid, none] = read();
      expect(traced).toMatchObject({ request_id: 'r-2', trace_id: ids.traceId, span_id: ids.spanId, n: 1 });
      expect(invalid).not.toHaveProperty('trace_id');
      expect(none).not.toHaveProperty('trace_id');
      expect(none).not.toHaveProperty('span_id');
    } finally {
      context.disable();
    }
  });
});
