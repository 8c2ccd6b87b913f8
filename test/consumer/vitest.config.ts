import { defineConfig } from 'vitest/config';

/**
 * The consumer suite (`npm run test:consumer`): packs the package and installs it into apps of their own, so
 * it runs on its own, after `npm run build`, never beside the suites that read `dist/` while `npm pack`
 * rebuilds it.
 */
export default defineConfig({
  test: {
    include: ['test/consumer/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
