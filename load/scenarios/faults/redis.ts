import { startRedis } from '../../../test/support/redis.ts';
import { startChildGateway } from '../../../test/support/fuzz/child.ts';
import { fuzzStore } from '../../../test/support/fuzz/store.ts';
import { describeTally, drive, lost, type Tally } from '../../lib/drive.ts';
import { scaleRequests } from '../../lib/valid.ts';

/**
 * Redis (the cache's second tier) killed a third into the load and restarted two thirds in; the cached model keeps
 * answering.
 */
export async function redisKilled(durationS: number): Promise<{ label: string; tally: Tally; note: string }> {
  const redis = await startRedis();
  const gw = await startChildGateway({ MODEL_STORE: fuzzStore(), REDIS_URL: redis.url, LOAD_MODELS: 'scale' });
  try {
    const until = Date.now() + durationS * 1000;
    const kill = setTimeout(() => void redis.kill(), (durationS * 1000) / 3);
    const back = setTimeout(() => void redis.restart(), (durationS * 2000) / 3);
    const tally = await drive({
      url: gw.url,
      connections: 16,
      stop: () => Date.now() > until,
      make: await scaleRequests(3),
    });
    clearTimeout(kill);
    clearTimeout(back);
    return {
      label: 'Redis killed during load (cache on)',
      tally,
      note: `${describeTally(tally)}; lost ${lost(tally)}; process alive: ${gw.alive()}`,
    };
  } finally {
    await gw.stop();
    await redis.stop();
  }
}
