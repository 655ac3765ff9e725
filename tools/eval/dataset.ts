import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Sample {
  label: string;
  file: string;
  bytes: Buffer;
}

/**
 * A labelled set laid out as `<dir>/<label>/<file>` (one folder per class, ImageNet style).
 * Hidden files are skipped; files are sorted for a stable order.
 */
export function readDataset(dir: string): Sample[] {
  const samples: Sample[] = [];
  for (const label of readdirSync(dir)
    .filter((d) => !d.startsWith('.'))
    .sort()) {
    const classDir = join(dir, label);
    if (!statSync(classDir).isDirectory()) continue;
    for (const f of readdirSync(classDir)
      .filter((x) => !x.startsWith('.'))
      .sort()) {
      samples.push({ label, file: join(classDir, f), bytes: readFileSync(join(classDir, f)) });
    }
  }
  if (samples.length === 0) throw new Error(`no samples under ${dir} (expected <dir>/<label>/<file>)`);
  return samples;
}
