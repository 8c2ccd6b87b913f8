// StrykerJS: mutation testing over the modules that hold the project's guarantees (`npm run mutation`).
// Not part of `npm test`: the whole list takes long on a small machine; run it before a release, or one module
// at a time with `npm run mutation -- --mutate <file>`.

import { createHash } from 'node:crypto';

/**
 * Each module that holds a guarantee, with the test files that specify it. A mutant runs only the tests of
 * these files that reached it in the dry run (`perTest` coverage). The files are named rather than found through
 * vitest's import graph (`related`): every integration suite imports the whole local stack, so "related" would
 * be nearly the whole suite for every module, and a mutant of module-level code (a static mutant, which per-test
 * coverage cannot place) would run all of it; and the graph does not follow the `#commons/*` imports of the unit
 * tests, which it would miss.
 */
const MODULES = {
  // the error taxonomy and the redirect classes
  'functions/commons/errors.ts': [
    'test/unit/errors.test.ts',
    'test/unit/signalwire-failure-classes.test.ts',
    'test/unit/signalwire-client.test.ts',
    'test/unit/credentials.test.ts',
    'test/integration/http-api.test.ts',
    'test/integration/call-update-events.test.ts',
  ],
  // the client's retry rules (not signalwire-proxy.test.ts: it imports the client inside a test, so the client's
  // module-level code would count as reached by that test alone instead of static)
  'functions/commons/signalwire/client.ts': [
    'test/unit/signalwire-client.test.ts',
    'test/unit/signalwire-client-edges.test.ts',
    'test/unit/signalwire-failure-classes.test.ts',
    'test/integration/calling-client.test.ts',
    'test/integration/http-api.test.ts',
  ],
  // what an answer or a transport failure means to those rules (moved out of client.ts, same tests)
  'functions/commons/signalwire/outcomes.ts': [
    'test/unit/signalwire-client.test.ts',
    'test/unit/signalwire-client-edges.test.ts',
    'test/unit/signalwire-failure-classes.test.ts',
    'test/integration/calling-client.test.ts',
    'test/integration/http-api.test.ts',
  ],
  // the SID canonical form
  'functions/commons/signalwire/sids.ts': [
    'test/unit/credentials.test.ts',
    'test/integration/input-edges.test.ts',
    'test/integration/http-api.test.ts',
  ],
  // the credentials and their error messages
  'functions/commons/signalwire/credentials.ts': [
    'test/unit/credentials.test.ts',
    'test/unit/signature.test.ts',
    'test/integration/credential-faults.test.ts',
  ],
  // input rules and validation
  'functions/commons/validation/violations.ts': [
    'test/unit/violations.test.ts',
    'test/unit/input-rules.test.ts',
    'test/unit/event-contracts.test.ts',
    'test/integration/input-edges.test.ts',
  ],
  // a callback URL's rule and the words of its refusals (moved out of violations.ts)
  'functions/commons/validation/http-url.ts': [
    'test/unit/input-rules.test.ts',
    'test/integration/hostile-inputs.test.ts',
  ],
  // the list cursor's seal
  'functions/commons/http/cursor-seal.ts': [
    'test/integration/input-edges.test.ts',
    'test/integration/http-api.test.ts',
  ],
  // the callback signature and replays
  'functions/commons/status-callbacks/signature.ts': [
    'test/unit/signature.test.ts',
    'test/integration/status-callback.test.ts',
  ],
  'functions/commons/status-callbacks/callback-replays.ts': ['test/integration/status-callback.test.ts'],
  // the idempotency decisions
  'functions/commons/update-requests/outcome.ts': [
    'test/unit/update-request-outcome.test.ts',
    'test/integration/call-update-events.test.ts',
  ],
  // the two project forms of one request (moved out of consumer.ts)
  'functions/commons/update-requests/project-form.ts': [
    'test/integration/call-update-events.test.ts',
    'test/integration/event-age.test.ts',
  ],
  'functions/commons/update-requests/consumer.ts': [
    'test/integration/call-update-events.test.ts',
    // an event older than the idempotency window: refused, or answered from its recorded outcome
    'test/integration/event-age.test.ts',
    'test/integration/native-call-update-events.test.ts',
    'test/integration/credential-faults.test.ts',
  ],
  // the cleanup's policy (with its allow-list), its breaker (in the run) and its pacer
  'functions/commons/cleanup/policy.ts': [
    'test/unit/cleanup-policy.test.ts',
    'test/integration/cleanup.test.ts',
  ],
  'functions/commons/cleanup/find-stale.ts': [
    'test/unit/cleanup-find-stale.test.ts',
    'test/unit/cleanup-policy.test.ts',
    'test/integration/cleanup.test.ts',
  ],
  'functions/commons/cleanup/run-cleanup.ts': [
    'test/unit/cleanup-run.test.ts',
    'test/unit/cleanup-run-edges.test.ts',
    'test/unit/cleanup-native.test.ts',
    'test/integration/cleanup.test.ts',
  ],
  'functions/commons/cleanup/report.ts': [
    'test/unit/cleanup-run.test.ts',
    // CleanupListingError lives here since the run's loop moved it (its refusals are tested with the run's edges).
    'test/unit/cleanup-run-edges.test.ts',
    'test/unit/cleanup-report-signalwire.test.ts',
    'test/unit/cleanup-native.test.ts',
    'test/integration/cleanup.test.ts',
  ],
  'functions/commons/cleanup/pacer.ts': [
    'test/unit/cleanup-pacer.test.ts',
    'test/unit/cleanup-pacer-queue.test.ts',
    'test/unit/cleanup-run.test.ts',
  ],
  // the CLI's confirmations
  'cli/core/prompt.ts': ['test/unit/cli-confirm.test.ts'],
  // a proxy named without its password; a refused CONNECT tunnel is PROXY_REFUSED with what the proxy answered
  'cli/core/proxy.ts': ['test/unit/cli-proxy.test.ts', 'test/unit/cli-proxy-refusal.test.ts'],
  // refusals of a change or a cleanup policy name the flag typed, with what to give instead
  'cli/core/flag-words.ts': ['test/unit/cli-flag-words.test.ts'],
  'cli/core/policy-refusal.ts': ['test/unit/cli-flag-words.test.ts'],
  // what SignalWire answered: Retry-After, error bodies cut and scrubbed of credentials, whether a 2xx is a Call
  'functions/commons/signalwire/answers.ts': [
    'test/unit/signalwire-answers.test.ts',
    'test/unit/upstream-reason.test.ts',
    'test/unit/signalwire-client.test.ts',
    'test/unit/signalwire-client-edges.test.ts',
  ],
  // SignalWire's dates (RFC 2822): a date that is none (day 00, 31 Feb) is refused, never read as another day
  'functions/commons/signalwire/dates.ts': [
    'test/unit/cleanup-find-stale.test.ts',
    'test/unit/input-rules.test.ts',
    'test/property/dates.property.test.ts',
    'test/unit/signalwire-dates.test.ts',
  ],
  // the construct's IAM and authorization (only those lines: INFRA_LINES)
  // (and the reason of the cdk-nag acknowledgement grantInvoke leaves on the grantee's policy)
  'infra/api.ts': [
    'test/infra/call-control.test.ts',
    'test/infra/stack.test.ts',
    'test/infra/call-control-platform.test.ts',
  ],
  'infra/call-control.ts': ['test/infra/call-control.test.ts', 'test/infra/stack.test.ts'],
  // the SignalWire secret's grant: GetSecretValue on it alone, kms:Decrypt only via Secrets Manager (INFRA_LINES)
  'infra/shared-resources.ts': ['test/infra/secret-grant.test.ts'],
};

/**
 * The lines of the infra modules that `npm run mutation` mutates: those holding IAM and authorization, the
 * guarantee they are on the list for. The rest of each file (alarms, logs, environment, names) is wiring whose
 * mutants each cost a CDK synthesis, several minutes per module on this machine for nothing the list is about.
 * `npm run mutation -- --mutate infra/api.ts` still mutates a whole file. Each range names the code it holds
 * (`holds`: text on the first line of each declaration or statement, one line of the file each), and
 * test/unit/mutation-lines.test.ts fails when `lines` is no longer exactly that code, first line to last, saying
 * what to write instead: when the files change, run it and move the ranges (docs/mutation.md says what each
 * covers; a range moved onto other code needs a new run).
 */
export const INFRA_LINES = {
  'infra/api.ts': [
    // the operator routes' authorizer and JWT scopes, the status-callback route's (none: HMAC in the function)
    {
      lines: '162-182',
      holds: ['const operatorIntegration = ', 'this.operatorRoutes = ', 'const route = new HttpRoute('],
    },
    // grantInvoke (execute-api:Invoke on exactly the operator routes), the IAM or JWT authorizer, the scopes
    {
      lines: '216-250',
      holds: ['grantInvoke(grantee: IGrantable)', 'private operatorAuthorizer()', 'const jwtScopesFor = '],
    },
  ],
  'infra/call-control.ts': [
    // IAM authorization unless the app chooses JWT
    { lines: '154-154', holds: ["auth: props.apiAuth ?? { type: 'iam' }"] },
    // grantInvoke, grantCleanupInvoke, grantPublishCallUpdateRequests
    {
      lines: '330-375',
      holds: [
        'grantInvoke(grantee: IGrantable)',
        'grantCleanupInvoke(grantee: IGrantable)',
        'grantPublishCallUpdateRequests(grantee: IGrantable',
      ],
    },
    // each function's GetSecretValue on its one secret, kms:Decrypt via Secrets Manager, PutEvents as its source
    { lines: '435-448', holds: ['grantSecretValue(fn, this.props);', 'private grantPublish(fn: '] },
  ],
  'infra/shared-resources.ts': [
    // the secret's ARN as IAM sees it, GetSecretValue on it, kms:Decrypt via Secrets Manager per partition
    { lines: '24-71', holds: ['export const secretPolicyArn = ', 'export const grantSecretValue = '] },
  ],
};

/**
 * The score each module reached in the run that measured it (docs/mutation.md), floored: a run of named modules
 * that scores below the lowest of them fails (`thresholds.break`); for an infra module, the score of its
 * INFRA_LINES. The whole list falls back to WHOLE_LIST_BREAK. Raise a figure when a run reaches more.
 */
const REACHED = {
  'functions/commons/status-callbacks/signature.ts': 100,
  'functions/commons/signalwire/credentials.ts': 100,
  'functions/commons/signalwire/sids.ts': 100,
  'cli/core/prompt.ts': 100,
  'functions/commons/http/cursor-seal.ts': 100,
  'functions/commons/errors.ts': 100,
  'functions/commons/cleanup/pacer.ts': 100,
  'functions/commons/status-callbacks/callback-replays.ts': 100,
  'functions/commons/update-requests/outcome.ts': 100,
  'functions/commons/cleanup/find-stale.ts': 99,
  'functions/commons/cleanup/policy.ts': 100,
  'functions/commons/cleanup/report.ts': 97,
  'functions/commons/validation/violations.ts': 99,
  'functions/commons/update-requests/consumer.ts': 100,
  'functions/commons/signalwire/client.ts': 97,
  'functions/commons/signalwire/outcomes.ts': 100,
  'functions/commons/cleanup/run-cleanup.ts': 83,
  'infra/api.ts': 100,
  'infra/call-control.ts': 100,
  'cli/core/proxy.ts': 100,
  'cli/core/flag-words.ts': 100,
  'cli/core/policy-refusal.ts': 100,
  'functions/commons/signalwire/dates.ts': 100,
  'functions/commons/signalwire/answers.ts': 98,
  'infra/shared-resources.ts': 100,
  'functions/commons/update-requests/project-form.ts': 100,
  'functions/commons/validation/http-url.ts': 100,
};
/**
 * The whole list's total (docs/mutation.md: 97.96 %), floored: the sum of the per-module runs that table
 * combines (one run over the whole list runs each mutant against the union of the listed test files, so it can
 * only reach as much or more). Set it again from the table after a run.
 */
const WHOLE_LIST_BREAK = 97;

/** The modules named on the command line (`--mutate a.ts,b.ts` or `-m a.ts`), or none. */
const named = () => {
  const at = process.argv.findIndex((arg) => arg === '--mutate' || arg === '-m');
  return at < 0 ? [] : (process.argv[at + 1] ?? '').split(',').filter(Boolean);
};

/** The module a `--mutate` entry names: `file.ts`, or a range of it (`file.ts:12-40`, `file.ts:12:5-40:9`). */
const moduleOf = (entry) => entry.replace(/:\d+(?::\d+)?-\d+(?::\d+)?$/, '');

const testFilesFor = (modules) => {
  const files = new Set(modules.flatMap((module) => MODULES[module] ?? []));
  // A module outside the list: the whole mutation suite (vitest.mutation.config.ts).
  return modules.some((module) => !(module in MODULES)) ? [] : [...files];
};

/** A file name for the report of a run over `modules`: the module's path, or for several a digest of their list. */
const reportName = (modules) =>
  modules.length === 1
    ? modules[0].replace(/[/:]/g, '_')
    : `${modules.length}-modules-${createHash('sha256').update(modules.join(',')).digest('hex').slice(0, 12)}`;

const modules = (named().length > 0 ? named() : Object.keys(MODULES)).map(moduleOf);
const testFiles = testFilesFor(modules);
// A whole infra file was never measured (only its INFRA_LINES): such a run reports its score and breaks nothing.
const wholeInfraFile = named().some((entry) => entry in INFRA_LINES);
const breakAt = wholeInfraFile
  ? null
  : named().length > 0 && modules.every((module) => module in REACHED)
    ? Math.min(...modules.map((module) => REACHED[module]))
    : WHOLE_LIST_BREAK;
// vitest.mutation.config.ts includes exactly these files: a static mutant (module-level code) runs every test
// the vitest config includes, and vitest's import graph (`related`) does not follow the `#commons/*` imports.
process.env.MUTATION_TEST_FILES = testFiles.join(',');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  ...(testFiles.length > 0 ? { testFiles } : {}),
  // Each mutant runs only the tests that reached it in the dry run.
  coverageAnalysis: 'perTest',
  // Static mutants (module-level code: constant sets, regular expressions, lookup tables) are not run: with
  // vitest 5 and a named test-file list they survived tests that, run by hand with the same change, fail (e.g. a
  // transient AWS error name emptied in TRANSIENT_AWS_ERRORS against its retryable table in
  // test/unit/credentials.test.ts; stryker-js issue 6209: the module loads before the mutant is switched on), so
  // their count would be wrong; and each would run every test of its module's files. docs/mutation.md counts
  // them per module.
  ignoreStatic: true,
  mutate: Object.keys(MODULES).flatMap((module) =>
    (INFRA_LINES[module] ?? [{ lines: '' }]).map(({ lines }) => (lines ? `${module}:${lines}` : module)),
  ),
  // The infra tests synthesise the construct with the prebuilt bundles (`npm run build` first): a run that
  // mutates an infra module copies dist/ into its sandbox, the others leave it out.
  ignorePatterns: [
    'reports',
    'cdk.out',
    'coverage',
    '.tmp',
    ...(modules.some((module) => module.startsWith('infra/')) ? [] : ['dist']),
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  // A run over named modules keeps its own report, so that `npm run mutation:docs` can combine runs made one
  // module at a time into the whole list's table (docs/mutation.md says how).
  jsonReporter: {
    fileName:
      named().length > 0
        ? `reports/mutation/by-module/${reportName([...new Set(modules)])}.json`
        : 'reports/mutation/mutation.json',
  },
  tempDirName: '.tmp/stryker',
  concurrency: 2,
  // The machine may be busy with other work: a mutant is a timeout only when far slower than the dry run.
  timeoutFactor: 2,
  timeoutMS: 10_000,
  thresholds: { high: 90, low: 85, break: breakAt },
};
