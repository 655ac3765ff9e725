import { readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { setPriority } from 'node:os';

/**
 * Lowers the calling thread's scheduling priority (Linux; elsewhere a no-op): `nice` 0..19 via
 * os.setPriority on this thread's id (from /proc/thread-self), and Linux's SCHED_IDLE policy when
 * `idle`, set with util-linux's `chrt` (Node has no sched_setscheduler); where that fails the nice value
 * still applies. Call it before starting other threads (they inherit their creator's nice value and
 * policy). Used by model-instance workers (inference yields to the HTTP event loop) and by the
 * training worker (training yields to inference).
 *
 * @example
 * lowerThreadPriority(10, true); // first thing in a worker thread
 */
export function lowerThreadPriority(nice: number, idle: boolean): void {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return; // not Linux: run at normal priority
  }
  if (!Number.isInteger(tid)) return;
  try {
    if (nice) setPriority(tid, nice);
  } catch {
    /* not permitted */
  }
  try {
    if (idle) execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore' });
  } catch {
    /* no chrt, or not permitted: the nice value alone */
  }
}
