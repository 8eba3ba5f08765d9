import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Spawn tests and local servers are heavier than unit tests; two forks match the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
  },
});
