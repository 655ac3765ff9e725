import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { coresBetween, cpuSnapshot, waitingBetween, type CpuSnapshot } from './threads.ts';

describe('coresBetween, waitingBetween', () => {
  const a: CpuSnapshot = {
    at: 0,
    groups: { main: 1, 'idle nice 10': 5 },
    waits: { main: 0.1, 'idle nice 10': 1 },
    machine: { busy: 100, idle: 50 },
  };
  const b: CpuSnapshot = {
    at: 2000,
    groups: { main: 1.5, 'idle nice 10': 7, 'idle nice 19': 0.5 },
    waits: { main: 0.2, 'idle nice 10': 1.5, 'idle nice 19': 1 },
    machine: { busy: 103.5, idle: 50.5 },
  };

  it('turns CPU seconds into cores per group, and puts the rest of the machine under other processes and idle', () => {
    expect(coresBetween(a, b)).toEqual({
      main: 0.25,
      'idle nice 10': 1,
      'idle nice 19': 0.25,
      'other processes': 0.25,
      idle: 0.25,
    });
  });

  it('turns run-queue waits into threads kept waiting per second', () => {
    expect(waitingBetween(a, b)).toEqual({ main: 0.05, 'idle nice 10': 0.25, 'idle nice 19': 0.5 });
  });
});

describe.runIf(process.platform === 'linux')('cpuSnapshot', () => {
  it("groups a process's threads by scheduling policy and nice value", async () => {
    // A thread that lowers itself to nice 13 (SCHED_IDLE where chrt allows) and spins until terminated.
    const worker = new Worker(
      `
      const { parentPort } = require('node:worker_threads');
      const { readlinkSync } = require('node:fs');
      const { setPriority } = require('node:os');
      const { execFileSync } = require('node:child_process');
      const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
      setPriority(tid, 13);
      try { execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore' }); } catch {}
      parentPort.postMessage('ready');
      for (;;) {}
    `,
      { eval: true },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    const first = cpuSnapshot(process.pid);
    let groups: Record<string, number> = {};
    while (!Object.keys(groups).some((k) => / nice 13$/.test(k) && groups[k]! > 0)) {
      await new Promise((r) => setTimeout(r, 50));
      groups = coresBetween(first, cpuSnapshot(process.pid));
    }
    await worker.terminate();
    expect(Object.keys(groups)).toContain('main');
    expect(Object.keys(groups).filter((k) => / nice 13$/.test(k))).toEqual([
      expect.stringMatching(/^(idle|normal) nice 13$/),
    ]);
    expect(first.machine.busy).toBeGreaterThan(0);
    expect(Object.keys(first.waits)).toContain('main');
  });
});
