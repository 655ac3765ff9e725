import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finetuneBody, listExamples } from './upload.ts';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'massgate-cli-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('finetune CLI upload', () => {
  it('lists <label>/<file>, skipping dot files, dot folders and loose files', () => {
    const dir = folder({
      'cat/b.jpg': 'B',
      'cat/a.jpg': 'A',
      'cat/.DS_Store': 'x',
      '.git/HEAD': 'x',
      'dog/d.jpg': 'D',
      README: 'x',
    });
    expect(listExamples(dir).map((e) => `${e.label}/${e.file}`)).toEqual(['cat/a.jpg', 'cat/b.jpg', 'dog/d.jpg']);
    expect(() => listExamples(join(dir, 'README'))).toThrow(/not a readable folder/);
  });

  it('sends files under their label (validation/<label> for the validation set) with their names, and the options as JSON', async () => {
    const train = folder({ 'cat/a.jpg': 'A', 'dog/d.jpg': 'D' });
    const val = folder({ 'cat/v.jpg': 'V' });
    const { body, contentType, uploaded } = await finetuneBody({
      source: { kind: 'upload', data: train, validation: val },
      options: { epochs: 3 },
    });
    expect(contentType).toBeUndefined();
    expect(uploaded).toEqual({ train: 2, validation: 1 });
    const form = body as FormData;
    const entries = await Promise.all(
      [...form.entries()].map(async ([k, v]) => [k, typeof v === 'string' ? v : `${v.name}=${await v.text()}`]),
    );
    expect(entries).toEqual([
      ['cat', 'a.jpg=A'],
      ['dog', 'd.jpg=D'],
      ['validation/cat', 'v.jpg=V'],
      ['options', '{"epochs":3}'],
    ]);
  });

  it('sends a server-side dataset as JSON', async () => {
    const { body, contentType } = await finetuneBody({
      source: { kind: 'server', dataset: 'sets/a', validationDataset: 'sets/b' },
      options: { seed: 2 },
    });
    expect(contentType).toBe('application/json');
    expect(JSON.parse(body as string)).toEqual({
      dataset: 'sets/a',
      validationDataset: 'sets/b',
      options: { seed: 2 },
    });
  });
});
