import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildGateway } from '../../../test/support/fuzz/child.ts';
import { fuzzStore } from '../../../test/support/fuzz/store.ts';
import { describeTally, drive, lost, type Tally } from '../../lib/drive.ts';
import { scaleRequests } from '../../lib/valid.ts';

/**
 * The model file corrupted on disk halfway through the load, then a reload requested: the reload fails
 * (4xx) and the loaded version keeps answering, correctly.
 */
export async function corruptReload(durationS: number): Promise<{ label: string; tally: Tally; note: string }> {
  const store = fuzzStore();
  const gw = await startChildGateway({ MODEL_STORE: store, LOAD_MODELS: 'scale' });
  try {
    const until = Date.now() + durationS * 1000;
    let reload = 'not requested';
    const corrupt = setTimeout(
      async () => {
        writeFileSync(join(store, 'scale', '1', 'model.onnx'), Buffer.from('this is not an ONNX model'));
        const r = await fetch(`${gw.url}/v2/repository/models/scale/load`, { method: 'POST' });
        reload = `${r.status} ${(await r.text()).slice(0, 160)}`;
      },
      (durationS * 1000) / 2,
    );
    const tally = await drive({
      url: gw.url,
      connections: 16,
      stop: () => Date.now() > until,
      make: await scaleRequests(5),
    });
    clearTimeout(corrupt);
    const ready = (await fetch(`${gw.url}/v2/models/scale/ready`)).status;
    return {
      label: 'model file corrupted, then reload',
      tally,
      note: `${describeTally(tally)}; lost ${lost(tally)}; reload answered ${reload}; model ready after: ${ready}`,
    };
  } finally {
    await gw.stop();
  }
}
