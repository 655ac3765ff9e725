import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test files that boot the gateway, load a real pretrained model, train, or run models in worker
 * threads: the `integration` project, beside everything in test/e2e. All other tests form the `unit`
 * project (`npm run test:unit`): pure logic and tiny in-memory fixtures, no model loading.
 */
const INTEGRATION = [
  'test/e2e/**',
  'examples/image-stats/image-stats.test.ts', // boots the gateway
  'tools/new-plugin/scaffold.test.ts', // boots the gateway
  'runtimes/runtimes.test.ts', // every runtime on a real model, in-thread and in workers
  'runtimes/head/index.test.ts', // nsfwjs MobileNetV2
  'runtimes/tfjs/internal-outputs.test.ts', // nsfwjs, Human
  'plugins/image/classifier.test.ts', // nsfwjs
  'plugins/audio/vad.test.ts', // Silero VAD
  'plugins/text/classifier.test.ts', // fastText lid.176
  'plugins/ocr/*.test.ts', // PaddleOCR detector and recogniser
  'plugins/face/detector.test.ts', // BlazeFace, in-thread and in a worker
  'plugins/face/classifier.test.ts', // BlazeFace and Human's emotion model
  'training/head.test.ts', // trains on nsfwjs features
  'training/train.test.ts', // trains TensorFlow.js heads
  'training/worker/index.test.ts', // trains in worker threads
  'training/soft.test.ts', // trains TensorFlow.js heads on soft targets
  'training/search.test.ts', // trains TensorFlow.js heads, one per trial
  'runtimes/ngram/index.test.ts', // the ngram runtime in worker threads
  'runtimes/worker/step.test.ts', // worker steps on real models in worker threads
];

const exclude = [...configDefaults.exclude, '.gpu/**'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...exclude, ...INTEGRATION],
          // Unit tests assert no timing, so they may share the two cores; they run before the integration project.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: INTEGRATION.map((p) => (p.endsWith('.ts') ? p : `${p}/*.test.ts`)),
          exclude,
          // Two cores: one file at a time, so model loads do not starve each other.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
