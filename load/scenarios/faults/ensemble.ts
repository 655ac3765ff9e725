import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildGateway } from '../../../test/support/fuzz/child.ts';
import { slowClassifier, tempStore, tinyClassifier, writeModel } from '../../../test/support/tiny-models.ts';
import type { FuzzCase } from '../../../test/support/fuzz/case.ts';
import { describeTally, drive, lost, type Tally } from '../../lib/drive.ts';

const LABELS = ['cat', 'dog', 'bird'];

/**
 * An ensemble of two fast members and a slow one with a 20 ms deadline: every answer comes from the fast two, none is
 * lost.
 */
export async function slowMember(durationS: number): Promise<{ label: string; tally: Tally; note: string }> {
  const store = tempStore();
  writeModel(store, 'a', 1, tinyClassifier(), { labels: LABELS });
  writeModel(store, 'b', 1, tinyClassifier(), { labels: LABELS });
  writeModel(store, 'slow', 1, slowClassifier(), { labels: LABELS, runtimeOptions: { intraOpNumThreads: 1 } });
  mkdirSync(join(store, 'ens'));
  writeFileSync(
    join(store, 'ens', 'config.json'),
    JSON.stringify({
      ensemble: { members: ['a', 'b', { model: 'slow', timeoutMs: 20 }], strategy: 'hard', quorum: 2 },
    }),
  );
  const gw = await startChildGateway({ MODEL_STORE: store });
  const make = (i: number): FuzzCase => {
    const k = i % 3;
    const x = [0, 0, 0];
    x[k] = 3;
    return {
      category: 'ensemble',
      label: String(k),
      method: 'POST',
      path: '/v2/models/ens/infer',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: x }],
        outputs: [{ name: 'probabilities', parameters: { classification: 1 } }],
      }),
      check: (_s, body) =>
        String(JSON.parse(body.toString()).outputs?.[0]?.data?.[0]).endsWith(LABELS[k]!)
          ? undefined
          : `expected ${LABELS[k]}: ${body.toString().slice(0, 200)}`,
    };
  };
  try {
    const until = Date.now() + durationS * 1000;
    const tally = await drive({ url: gw.url, connections: 16, stop: () => Date.now() > until, make });
    return {
      label: 'slow ensemble member (20 ms deadline)',
      tally,
      note: `${describeTally(tally)}; lost ${lost(tally)}`,
    };
  } finally {
    await gw.stop();
  }
}
