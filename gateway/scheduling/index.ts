export { createScheduler, type SchedulerHooks } from './batcher.ts';
export type { Scheduler, SchedulerStats, SubmitOptions } from './scheduler.ts';
