import { defineConfig } from 'vitest/config';

/**
 * Suites on real Redis run every Lua script with the key check of src/redis/check-keys.lua: a
 * script touching a key it did not declare in KEYS fails there, on a single Redis too (a
 * cluster would only notice a key of another slot). Processes the tests spawn inherit it.
 */
const checkedLua = { STRATA_LUA_CHECK_KEYS: '1' };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          env: checkedLua,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Beyond one machine (issue 15): several brokers, a Redis cluster. Heavier than the
        // integration suite, so `npm run test:topologies` runs them after `npm test` in CI.
        test: {
          name: 'topologies',
          include: ['test/topologies/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          env: checkedLua,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
