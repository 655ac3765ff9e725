export { sileroVad } from './vad.ts';
