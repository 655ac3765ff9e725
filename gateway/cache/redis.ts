import { Redis } from 'ioredis';
import { log } from '../../core/log.ts';

interface RedisTierOptions {
  url: string;
  /** Longest a cache command may take before the request goes on without the cache. */
  commandTimeoutMs?: number | undefined;
  connectTimeoutMs?: number;
  /** Most time between reconnection attempts. */
  maxRetryDelayMs?: number;
}

type TierState = 'up' | 'down' | 'connecting';

/**
 * The Redis tier through ioredis, built so that Redis being down or slow never fails or stalls a
 * request: commands time out fast, nothing queues while disconnected, reconnection is automatic with
 * capped back-off, and an outage logs one line when it starts and one when it ends.
 */
export class RedisTier {
  private readonly client: Redis;
  private current: TierState = 'connecting';
  private since = Date.now();
  private closing = false;
  /** Errors seen (timeouts, refused commands), for metrics. */
  errors = 0;

  constructor(private readonly o: RedisTierOptions) {
    this.client = new Redis(o.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: o.commandTimeoutMs ?? 50,
      connectTimeout: o.connectTimeoutMs ?? 500,
      enableReadyCheck: true,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), o.maxRetryDelayMs ?? 1000),
    });
    this.client.on('ready', () => this.setState('up'));
    this.client.on('end', () => this.setState('down'));
    this.client.on('close', () => this.setState('down'));
    this.client.on('error', (e: Error) => {
      this.setState('down', e.message);
    });
    this.client.connect().catch(() => undefined);
  }

  private setState(next: TierState, reason?: string): void {
    if (this.closing) return;
    if (next === this.current || (next === 'down' && this.current === 'connecting' && reason === undefined)) return;
    const was = this.current;
    this.current = next;
    this.since = Date.now();
    if (next === 'up')
      log.info('redis cache reachable', { url: redact(this.o.url), ...(was === 'down' ? { recovered: true } : {}) });
    else if (next === 'down')
      log.warn('redis cache unreachable: serving without it until it is back', { url: redact(this.o.url), reason });
  }

  status(): { tier: 'redis'; state: TierState; since: string } {
    return { tier: 'redis', state: this.current, since: new Date(this.since).toISOString() };
  }

  get up(): boolean {
    return this.current === 'up';
  }

  /** The cached value, or undefined on a miss, a timeout or while Redis is down. */
  async get(key: string): Promise<Uint8Array | undefined> {
    if (!this.up) return undefined;
    try {
      const v = await this.client.getBuffer(key);
      return v ?? undefined;
    } catch {
      this.errors++;
      return undefined;
    }
  }

  /** Stores without making anyone wait; failures are counted, not thrown. */
  set(key: string, value: Uint8Array, ttlSeconds: number): void {
    if (!this.up) return;
    this.client
      .set(
        key,
        Buffer.from(value.buffer, value.byteOffset, value.byteLength),
        'EX',
        Math.max(1, Math.round(ttlSeconds)),
      )
      .catch(() => {
        this.errors++;
      });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.client.disconnect();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
