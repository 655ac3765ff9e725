import { startChildGateway } from '../../../test/support/fuzz/child.ts';
import { fuzzStore } from '../../../test/support/fuzz/store.ts';
import { describeTally, drive, lost, type Tally } from '../../lib/drive.ts';
import { scaleRequests } from '../../lib/valid.ts';

/**
 * SIGTERM halfway through a load of 64 kept-alive connections. Target: every request that was sent gets
 * an answer (200, or 503 with `Connection: close`); after the listener closes, connections are refused
 * (not lost); the process exits 0.
 */
export async function sigterm(durationS: number): Promise<{ label: string; tally: Tally; note: string }> {
  const gw = await startChildGateway({ MODEL_STORE: fuzzStore(), LOAD_MODELS: 'scale,lang-lande' });
  const deadline = Date.now() + durationS * 1000 + 30_000;
  let signalled = 0;
  const t = setTimeout(
    () => {
      signalled = Date.now();
      gw.signal('SIGTERM');
    },
    (durationS * 1000) / 2,
  );
  const tally = await drive({
    url: gw.url,
    connections: 64,
    stop: () => (!gw.alive() && signalled > 0) || Date.now() > deadline,
    make: await scaleRequests(7),
  });
  clearTimeout(t);
  await gw.exited();
  const exit = gw.exits.at(-1);
  return {
    label: 'SIGTERM during load (64 connections)',
    tally,
    note: `${describeTally(tally)}; lost ${lost(tally)}; exit ${exit?.code ?? exit?.signal} ${exit && Date.now() - signalled} ms after the signal`,
  };
}
