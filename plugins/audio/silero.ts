import { z } from 'zod';
import type { TensorInfo } from '../../core/tensor.ts';

/** Silero VAD's sample rate: every clip is resampled to it. */
export const RATE = 16_000;

/** The Silero VAD plugin's params (a model config's `params`). */
export const VadParamsSchema = z
  .object({
    /** Speech starts at this frame probability… */
    threshold: z.number().min(0).max(1).default(0.5),
    /** …and ends when it stays below threshold − 0.15 (Silero's hysteresis) for minSilenceMs. */
    minSilenceMs: z.number().min(0).default(100),
    /** Shorter speech segments are dropped. */
    minSpeechMs: z.number().min(0).default(250),
    /** Longer clips are refused (413) from their WAV header, before anything is decoded. */
    maxSeconds: z.number().positive().default(60),
    /**
     * Longest WAV taken as a streamed request body (`Content-Type: audio/wav`), analysed a chunk at a
     * time with flat memory: refused (413) from its header when it declares more, else once it passes it.
     */
    maxStreamSeconds: z.number().positive().default(14_400),
  })
  .strict();
export type VadParams = z.infer<typeof VadParamsSchema>;

/**
 * The two Silero generations: v5/v6 (512-sample frames + 64 of context, one state) and the legacy LSTM (1536, h and c).
 */
export function variant(ctx: { inputs: readonly TensorInfo[] }): { frame: number; context: number; legacy: boolean } {
  const names = new Set(ctx.inputs.map((i) => i.name));
  if (names.has('state')) return { frame: 512, context: 64, legacy: false };
  if (names.has('h') && names.has('c')) return { frame: 1536, context: 0, legacy: true };
  throw new Error(`not a Silero VAD model (inputs: ${[...names].join(', ')})`);
}
