export { createScheduler, type SchedulerHooks } from './batcher.ts';
