import { defineConfig } from 'vitest/config';

// Four suites, all run by `npm test`: unit (engine + shared code on fake-indexeddb),
// server (the real server on 127.0.0.1, real SQLite), e2e (built app in real Chromium,
// plus the benchmarks' smoke run so they never rot and every QA drill at a short duration),
// engines (the core paths in WebKit, Firefox and Chromium; its global setup installs the
// Debian browsers where it may, tests/engines/globalSetup.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts', 'src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'server',
          include: [
            'tests/server/**/*.test.ts',
            'tests/integration/**/*.test.ts',
            'tests/hostile/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts', 'tests/bench/**/*.test.ts', 'tests/drills/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'engines',
          include: ['tests/engines/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/engines/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
