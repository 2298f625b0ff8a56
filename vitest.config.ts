import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Real sockets and real WebRTC peers on a 2-core machine: one file at a time keeps timing honest.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.spec.ts'],
          environment: 'node',
          // Builds the renderer once and provides its directory to the specs.
          globalSetup: ['test/e2e/globalSetup.ts'],
          // Chromium, kvs-local's cameras and the core share 2 cores: one spec file at a time, and waits
          // sized for a loaded machine (every wait inside a spec is bounded on its own).
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
