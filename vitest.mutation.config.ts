import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant. Without a list from stryker.config.mjs (a module outside its
// list), the project's suite without the CLI's end-to-end file, which drives a built bundle in a child process
// where no coverage reaches Stryker.
/** The test files of the modules being mutated, set by stryker.config.mjs; the whole list otherwise. */
const named = (process.env.MUTATION_TEST_FILES ?? '').split(',').filter(Boolean);

export default defineConfig({
  test: {
    include:
      named.length > 0
        ? named
        : [
            'test/unit/**/*.test.ts',
            'test/property/**/*.test.ts',
            'test/integration/**/*.test.ts',
            'test/infra/**/*.test.ts',
          ],
    exclude: ['test/consumer/**', 'test/integration/cli.test.ts', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The caller's COLUMNS, LINES, NO_COLOR, FORCE_COLOR and TERM do not reach a test (test/support/caller-terminal.ts).
    setupFiles: ['test/support/caller-terminal.ts'],
    // A few integration tests race a delayed answer against a second request; on a loaded machine (Stryker's
    // instrumented code, other work) one may lose the race once. A retry keeps the dry run from failing on that.
    retry: 1,
  },
});
