// StrykerJS: mutation testing over the modules that hold the project's guarantees (`npm run mutation`).
// Not part of `npm test`: a full run takes long on a small machine; run it before a release, or one module at
// a time with `npm run mutation -- --mutate <file>`.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: {
    configFile: 'vitest.mutation.config.ts',
    // Only the test files that import the mutated module (vitest's import graph) run in the dry run.
    related: true,
  },
  // Each mutant runs only the tests that reached it in the dry run.
  coverageAnalysis: 'perTest',
  mutate: [
    // the error taxonomy and the redirect classes
    'functions/commons/errors.ts',
    // the client's retry rules
    'functions/commons/signalwire/client.ts',
    // the SID canonical form
    'functions/commons/signalwire/sids.ts',
    // the credentials and their error messages
    'functions/commons/signalwire/credentials.ts',
    // input rules and validation
    'functions/commons/validation/violations.ts',
    // the list cursor's seal
    'functions/commons/http/cursor-seal.ts',
    // the callback signature and replays
    'functions/commons/status-callbacks/signature.ts',
    'functions/commons/status-callbacks/callback-replays.ts',
    // the idempotency decisions
    'functions/commons/update-requests/apply-once.ts',
    // the cleanup's policy (with its allow-list), its breaker (in the run) and pacer
    'functions/commons/cleanup/policy.ts',
    'functions/commons/cleanup/find-stale.ts',
    'functions/commons/cleanup/run-cleanup.ts',
    'functions/commons/cleanup/pacer.ts',
    // the CLI's confirmations
    'cli/core/prompt.ts',
    // the construct's IAM and authorization
    'infra/api.ts',
    'infra/call-control.ts',
  ],
  ignorePatterns: ['reports', 'cdk.out', 'coverage', 'dist', '.tmp'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.tmp/stryker',
  concurrency: 2,
  timeoutMS: 10_000,
  thresholds: { high: 90, low: 85, break: null },
};
