import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const HZ = 100;

/** CPU seconds so far: each thread group of one process and the whole machine (Linux; empty elsewhere). */
export interface CpuSnapshot {
  at: number;
  /** CPU seconds by group: `main` (the process's first thread), else `<policy> nice <n>` (e.g. `idle nice 19`). */
  groups: Record<string, number>;
  /** Seconds the group's threads spent runnable but waiting for a CPU (from schedstat). */
  waits: Record<string, number>;
  /** Busy and idle seconds of all cores (from /proc/stat). */
  machine: { busy: number; idle: number };
}

function readStat(path: string): string[] | undefined {
  try {
    const s = readFileSync(path, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on: the name may hold spaces
  } catch {
    return undefined; // the thread has exited
  }
}

/**
 * Reads the CPU time and run-queue wait of every thread of `pid` from /proc, grouped by scheduling policy
 * and nice value (in the gateway: the HTTP thread, inference workers at WORKER_NICE under SCHED_IDLE, a
 * training thread at FINETUNE_NICE under SCHED_IDLE, and the rest), and the machine's busy and idle time.
 */
export function cpuSnapshot(pid: number): CpuSnapshot {
  const groups: Record<string, number> = {};
  const waits: Record<string, number> = {};
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    /* not Linux, or the process has exited */
  }
  for (const tid of tids) {
    const f = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (!f) continue;
    // stat fields (1-based): 14 utime, 15 stime, 19 nice, 41 policy; f[0] is field 3.
    const ticks = Number(f[11]) + Number(f[12]);
    const key =
      tid === String(pid)
        ? 'main'
        : `${Number(f[38]) === 5 ? 'idle' : Number(f[38]) === 3 ? 'batch' : 'normal'} nice ${f[16]}`;
    groups[key] = (groups[key] ?? 0) + ticks / HZ;
    try {
      waits[key] =
        (waits[key] ?? 0) + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
    } catch {
      /* no schedstat (kernel without CONFIG_SCHED_INFO), or the thread has exited */
    }
  }
  let machine = { busy: 0, idle: 0 };
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3]! + cpu[4]!;
    machine = { busy: (cpu.slice(0, 8).reduce((a, b) => a + b, 0) - idle) / HZ, idle: idle / HZ };
  } catch {
    /* not Linux */
  }
  return { at: performance.now(), groups, waits, machine };
}

/**
 * Cores used between two snapshots, by group, plus `other processes` (the machine's busy time not spent
 * in this process) and `idle`. Threads that exited in between are missed (their time leaves with them).
 */
export function coresBetween(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const s = (b.at - a.at) / 1000;
  const out: Record<string, number> = {};
  let own = 0;
  for (const [k, v] of Object.entries(b.groups)) {
    const used = Math.max(0, v - (a.groups[k] ?? 0));
    own += used;
    out[k] = used / s;
  }
  out['other processes'] = Math.max(0, b.machine.busy - a.machine.busy - own) / s;
  out.idle = (b.machine.idle - a.machine.idle) / s;
  return out;
}

/** Per group, seconds spent waiting for a CPU per second between two snapshots (threads kept waiting, on average). */
export function waitingBetween(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const s = (b.at - a.at) / 1000;
  return Object.fromEntries(Object.entries(b.waits).map(([k, v]) => [k, Math.max(0, v - (a.waits[k] ?? 0)) / s]));
}
