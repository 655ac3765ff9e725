import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setLogLevel } from '../../core/log.ts';
import { JobRegistry } from './jobs.ts';
import { parseOptions } from './options.ts';

setLogLevel('silent');

const init = (model: string) => ({
  model,
  baseVersion: 1,
  options: parseOptions({}),
  classes: ['a', 'b'],
  examples: { train: 10, validation: 0, augmented: 0 },
});

describe('fine-tuning job registry', () => {
  it('allows one unfinished job per model (CONFLICT), and another once it has ended', () => {
    const jobs = new JobRegistry(mkdtempSync(join(tmpdir(), 'jobs-')), 10);
    const { job } = jobs.create(init('m'));
    expect(() => jobs.create(init('m'))).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    jobs.create(init('other'));
    jobs.update(job, { state: 'succeeded' });
    expect(jobs.create(init('m')).job.state).toBe('queued');
  });

  it('a job unfinished when the gateway stopped is failed with the reason on the next start, never lost', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobs-'));
    const first = new JobRegistry(dir, 10);
    const { job } = first.create(init('m'));
    first.update(
      job,
      { state: 'training', epochs: [{ epoch: 1, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, ms: 10 }] },
      'epoch',
    );
    const second = new JobRegistry(dir, 10);
    const after = second.get(job.id);
    expect(after.state).toBe('failed');
    expect(after.error).toMatch(/stopped while the job was training/);
    expect(after.epochs).toHaveLength(1);
    expect(second.interrupted.map((j) => j.id)).toEqual([job.id]);
    expect(second.active('m')).toBeUndefined();
  });

  it("cancel aborts the job's signal; stopAll gives the reason; listeners hear each change until the end", () => {
    const jobs = new JobRegistry(mkdtempSync(join(tmpdir(), 'jobs-')), 10);
    const a = jobs.create(init('a'));
    const heard: string[] = [];
    jobs.subscribe(a.job.id, (event, j) => heard.push(`${event}:${j.state}`));
    jobs.update(a.job, { progress: { done: 1, total: 2 } }, 'progress');
    jobs.cancel(a.job.id);
    expect(a.signal.aborted).toBe(true);
    jobs.update(a.job, { state: 'cancelled' });
    jobs.update(a.job, { state: 'failed' }); // a finished job no longer changes
    expect(heard).toEqual(['progress:queued', 'state:cancelled']);
    expect(jobs.get(a.job.id).state).toBe('cancelled');
    expect(() => jobs.cancel(a.job.id)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    const b = jobs.create(init('b'));
    jobs.stopAll('shutting down');
    expect((b.signal.reason as Error).message).toBe('shutting down');
  });

  it('unknown or malformed ids are JOB_NOT_FOUND; only the newest finished jobs are kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobs-'));
    const jobs = new JobRegistry(dir, 2);
    for (const id of ['nope', '../../etc/passwd', 'ft-zzzzzz-00000000'])
      expect(() => jobs.get(id)).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    for (let i = 0; i < 4; i++) {
      const { job } = jobs.create(init(`m${i}`));
      jobs.update(job, { state: 'failed' });
    }
    jobs.create(init('last'));
    expect(jobs.list().length).toBe(3); // two finished + the running one
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(3);
  });
});
