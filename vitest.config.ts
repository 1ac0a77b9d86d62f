import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (no stale dist/).
const resolve = { conditions: ['@groupidentify/source'] };
// Vite 6+ resolves per environment and `resolve` only reaches the client one: vitest runs test
// files in `ssr` and globalSetup files in `__vitest__`, so both need the condition too.
const environments = { ssr: { resolve }, __vitest__: { resolve } };

export default defineConfig({
  resolve,
  environments,
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        resolve,
        environments,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/test/**/*.test.ts',
            'apps/*/src/**/*.test.ts',
          ],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
        },
      },
      {
        resolve,
        environments,
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
