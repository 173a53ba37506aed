import { defineConfig } from 'vitest/config';

/**
 * Two projects. Node tests run first, files in parallel. Then the Chromium tests (real headless
 * Chromium: anything named `*.browser.test.ts`, and test/browser, test/pwa), one file at a time and with
 * no Node test competing for the 2 cores. The keyword apps' tests no longer depend on real time (their
 * microphone is an OfflineAudioContext: test/pwa/offline-mic.ts); running them alone still keeps their
 * builds and browser start-ups within the timeouts below on a busy machine.
 */
const CHROMIUM = ['test/browser/**/*.test.ts', 'test/pwa/**/*.test.ts', 'test/**/*.browser.test.ts'];
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: CHROMIUM,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'chromium',
          include: CHROMIUM,
          fileParallelism: false,
          // Building a page and starting Chromium took 51–58 s once with other jobs on both cores.
          testTimeout: 180_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
