import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../support/gateway.ts';
import { storeWithShippedModel } from '../support/tiny-models.ts';
import { documentImages, photoImages, PHOTO_SOURCES } from '../support/finetune-data.ts';

const MODEL = 'emotion-human';
const ROOT = new URL('../..', import.meta.url).pathname;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as `npm run finetune` does; `onStderr` sees its progress as it comes. */
function cli(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/finetune/run.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, MASSGATE_URL: '', MASSGATE_API_KEY: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => {
    stderr += b;
    onStderr?.(stderr, child);
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('npm run finetune: the CLI over the HTTP API', () => {
  let gw: RunningGateway;
  let store: string;
  let data: string;
  const versions = () =>
    readdirSync(join(store, MODEL))
      .filter((f) => /^\d+$/.test(f))
      .sort();

  beforeAll(async () => {
    store = storeWithShippedModel(MODEL, {}, ['face-detector']);
    gw = await startGateway({ MODEL_STORE: store, FINETUNE_CPU_SHARE: '1' });
    data = mkdtempSync(join(tmpdir(), 'massgate-cli-data-'));
    const [docs, photos] = await Promise.all([documentImages(10, 21), photoImages(PHOTO_SOURCES.train, 10, 22)]);
    for (const [label, images] of [
      ['page', docs],
      ['neutral', photos],
    ] as const) {
      mkdirSync(join(data, label));
      for (const [i, img] of images.entries()) writeFileSync(join(data, label, `${i}.jpg`), img);
      writeFileSync(join(data, label, '.DS_Store'), 'not an image'); // skipped, or the gateway would refuse it
    }
  });
  afterAll(() => gw?.close());

  it('uploads a <label>/<file> folder, follows the job and prints the succeeded job as JSON (exit 0, version 2)', async () => {
    const run = await cli([
      '--url',
      gw.url,
      '--model',
      MODEL,
      '--data',
      data,
      '--epochs',
      '5',
      '--min-accuracy',
      '0',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const job = JSON.parse(run.stdout);
    expect(job.state, job.error).toBe('succeeded');
    expect(job.result.version).toBe(2);
    expect(job.classes).toEqual(['neutral', 'page']);
    expect(job.examples.train + job.examples.validation).toBe(20);
    expect(job.epochs.length).toBeGreaterThan(0);
    // Progress went to stderr as plain lines (not a TTY): the feature bar and the epochs.
    expect(run.stderr).toMatch(/^features \[#+\] 20\/20$/m);
    expect(run.stderr).toMatch(/^epoch 1\/5 .* loss \d/m);
    expect(run.stderr).not.toMatch(/\r/);
    expect(versions()).toEqual(['1', '2']);
  });

  it('a bad option is refused by the gateway: its message, a non-zero exit, nothing published', async () => {
    const run = await cli(['--url', gw.url, '--model', MODEL, '--data', data, '--epochs', '0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/400 fine-tuning options: epochs: .*>=\s?1/);
    expect(run.stdout).toBe('');
    expect(versions()).toEqual(['1', '2']);
  });

  it('Ctrl-C cancels the job, waits for it to stop, and exits 130; nothing is published', async () => {
    let sent = false;
    const run = await cli(
      ['--url', gw.url, '--model', MODEL, '--data', data, '--epochs', '1000', '--patience', '0', '--json'],
      (stderr, child) => {
        // Once the job runs (the CLI printed its id), interrupt as a user would.
        if (!sent && /^job ft-\S+: /m.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(sent).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/cancelling job ft-/);
    const job = JSON.parse(run.stdout);
    expect(job.state).toBe('cancelled');
    const listed = await (await fetch(`${gw.url}/v1/jobs/${job.id}`)).json();
    expect(listed.state).toBe('cancelled');
    expect(versions()).toEqual(['1', '2']);
  });
});
