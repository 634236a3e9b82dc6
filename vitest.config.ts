import { defineConfig } from 'vitest/config';
import { POLL_MS, WAIT_MS } from './tests/helpers/timeouts.ts';

/** expect.poll without options waits as long as every other wait (tests/helpers/timeouts.ts). */
const expectOptions = { poll: { timeout: WAIT_MS, interval: POLL_MS } };

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
          expect: expectOptions,
          // Above WAIT_MS: a wait that times out reports what it waited for, not "test timed out".
          testTimeout: 30_000,
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
          expect: expectOptions,
          // Property tests run hundreds of real writes (SQLite fsyncs each commit): on a loaded
          // machine they take several times their idle duration. Limits catch hangs, not slowness.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts', 'tests/bench/**/*.test.ts', 'tests/drills/**/*.test.ts'],
          environment: 'node',
          expect: expectOptions,
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
