import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (no stale dist/).
const resolve = { conditions: ['@groupidentify/source'] };

export default defineConfig({
  resolve,
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          include: ['**/*.integration.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          // Starts (or reuses, from REDIS_URL/MONGO_URL) real Redis and MongoDB-wire servers once per run.
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
