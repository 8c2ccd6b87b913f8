import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant: the project's suite without the slow end-to-end files that
// drive a built bundle in a child process (no coverage reaches Stryker from there) or synthesise whole apps.
export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/property/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/infra/**/*.test.ts',
    ],
    exclude: ['test/consumer/**', 'test/integration/cli.test.ts', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A few integration tests race a delayed answer against a second request; on a loaded machine (Stryker's
    // instrumented code, other work) one may lose the race once. A retry keeps the dry run from failing on that.
    retry: 1,
  },
});
