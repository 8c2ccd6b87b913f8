import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Run by `npm run test:consumer` after the build (see test/consumer/vitest.config.ts).
    exclude: ['test/consumer/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites start loopback servers on ephemeral ports; files stay isolated in forks.
    pool: 'forks',
    // The caller's COLUMNS, LINES, NO_COLOR, FORCE_COLOR and TERM do not reach a test (test/support/caller-terminal.ts).
    setupFiles: ['test/support/caller-terminal.ts'],
  },
});
