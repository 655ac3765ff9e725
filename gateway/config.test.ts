import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const KEY = 'admin:0123456789abcdef0123';

describe('config: binding and authentication', () => {
  it('binds to loopback when no keys are configured, and to every address when keys are', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({}).port).toBe(8080);
    expect(loadConfig({ API_KEYS: KEY }).host).toBe('0.0.0.0');
  });

  it('refuses a non-loopback HOST without keys unless ALLOW_UNAUTHENTICATED=true', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/ALLOW_UNAUTHENTICATED/);
    expect(() => loadConfig({ HOST: '::' })).toThrow(/ALLOW_UNAUTHENTICATED/);
    expect(loadConfig({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: 'localhost' }).host).toBe('localhost');
    expect(loadConfig({ HOST: '10.0.0.5', API_KEYS: KEY }).host).toBe('10.0.0.5');
  });

  it('parses limits and timeouts, with rate limiting off by default', () => {
    const c = loadConfig({ RATE_LIMIT_RPS: '5', REQUEST_TIMEOUT_S: '2.5', HEADERS_TIMEOUT_S: '1' });
    expect(c.rateLimit).toEqual({ rps: 5, burst: 10 });
    expect(c.server.requestTimeoutMs).toBe(2500);
    expect(loadConfig({}).rateLimit.rps).toBe(0);
    expect(() => loadConfig({ HEADERS_TIMEOUT_S: '20', REQUEST_TIMEOUT_S: '10' })).toThrow(/HEADERS_TIMEOUT_S/);
  });
});

describe('edge limits in the configuration', () => {
  it('has sane defaults', () => {
    const c = loadConfig({});
    expect(c.repositoryBodyLimitBytes).toBe(64 * 1024);
    expect(c.limits).toEqual({ maxJsonDepth: 64, maxTensorElements: 67_108_864, maxInstances: 256 });
  });

  it('reads overrides and refuses values that would disable a limit', () => {
    const c = loadConfig({
      REPOSITORY_BODY_LIMIT_KB: '8',
      MAX_JSON_DEPTH: '16',
      MAX_TENSOR_ELEMENTS: '1000',
      MAX_INSTANCES: '4',
    });
    expect(c.repositoryBodyLimitBytes).toBe(8192);
    expect(c.limits).toEqual({ maxJsonDepth: 16, maxTensorElements: 1000, maxInstances: 4 });
    for (const [k, v] of [
      ['MAX_JSON_DEPTH', '0'],
      ['MAX_JSON_DEPTH', '1e6'],
      ['MAX_TENSOR_ELEMENTS', String(2 ** 31)],
      ['MAX_INSTANCES', '-1'],
      ['REPOSITORY_BODY_LIMIT_KB', '0'],
    ]) {
      expect(() => loadConfig({ [k!]: v }), `${k}=${v}`).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});

describe('store watcher in the configuration', () => {
  it('polls every 2 s by default; 0 turns it off; a negative or non-numeric interval is refused', () => {
    expect(loadConfig({}).storePollMs).toBe(2000);
    expect(loadConfig({ STORE_POLL_S: '0.25' }).storePollMs).toBe(250);
    expect(loadConfig({ STORE_POLL_S: '0' }).storePollMs).toBe(0);
    expect(() => loadConfig({ STORE_POLL_S: '-1' })).toThrow(/STORE_POLL_S/);
    expect(() => loadConfig({ STORE_POLL_S: 'often' })).toThrow(/STORE_POLL_S/);
  });
});

describe('logs in the configuration', () => {
  it('logs at info with an access line per request by default; ACCESS_LOG=false turns the line off', () => {
    expect([loadConfig({}).logLevel, loadConfig({}).accessLog]).toEqual(['info', true]);
    expect(loadConfig({ ACCESS_LOG: 'false', LOG_LEVEL: 'warn' })).toMatchObject({
      accessLog: false,
      logLevel: 'warn',
    });
    expect(() => loadConfig({ ACCESS_LOG: 'off' })).toThrow(/ACCESS_LOG/);
    expect(() => loadConfig({ LOG_LEVEL: 'trace' })).toThrow(/LOG_LEVEL/);
  });
});
