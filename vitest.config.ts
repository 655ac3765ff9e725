import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.gpu/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: run test files one at a time so model loads and timing-sensitive tests do not starve.
    fileParallelism: false,
    pool: 'forks',
  },
});
