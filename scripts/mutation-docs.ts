/**
 * Writes the mutation score per module and in total into docs/mutation.md and the README's summary block,
 * from Stryker's JSON reports: `reports/mutation/mutation.json` (a run over the whole list) and
 * `reports/mutation/by-module/*.json` (a run over the modules named with `--mutate`, one report per run; see
 * stryker.config.mjs). Each module's row comes from the newest report that measured it; a module without a
 * report keeps its row, each row saying when it was measured, so the table can be built one module at a time
 * on a small machine, and the total is then the sum of those per-module runs.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const reportDirectory = join(root, 'reports', 'mutation');
const byModuleDirectory = join(reportDirectory, 'by-module');
const docFile = join(root, 'docs', 'mutation.md');
const readmeFile = join(root, 'README.md');

/** The statuses of mutation-testing-report-schema that the score counts. */
export interface Counts {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  /** Mutants that do not compile or crash outside a test: not counted in the score, as Stryker does. */
  invalid: number;
  /** Static mutants (module-level code), not run: `ignoreStatic` in stryker.config.mjs. */
  static: number;
  /** Mutants marked equivalent in the source (`// Stryker disable … : why`), not run. */
  equivalent: number;
}

export interface Row extends Counts {
  module: string;
  date: string;
}

interface Mutant {
  status: string;
  statusReason?: string;
}

interface Report {
  files: Record<string, { mutants: Mutant[] }>;
}

/** Stryker's reason for a mutant left out by `ignoreStatic` (any other ignored mutant was disabled by a comment). */
const STATIC_REASON = /^Static mutant/;

export const countsOf = (mutants: readonly Mutant[]): Counts => {
  const counts: Counts = {
    killed: 0,
    timeout: 0,
    survived: 0,
    noCoverage: 0,
    invalid: 0,
    static: 0,
    equivalent: 0,
  };
  for (const { status, statusReason } of mutants) {
    if (status === 'Killed') counts.killed++;
    else if (status === 'Timeout') counts.timeout++;
    else if (status === 'Survived') counts.survived++;
    else if (status === 'NoCoverage') counts.noCoverage++;
    else if (status === 'Ignored' && STATIC_REASON.test(statusReason ?? '')) counts.static++;
    else if (status === 'Ignored') counts.equivalent++;
    else counts.invalid++;
  }
  return counts;
};

/** Stryker's mutation score: detected over valid mutants (killed, timed out, survived, not covered). */
export const score = (c: Counts): number => {
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  return valid === 0 ? 100 : (100 * (c.killed + c.timeout)) / valid;
};

const ROW =
  /^\| `([^`]+)` \| [\d.]+ % \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\S+) \|$/;

/** The rows already in docs/mutation.md. */
export const readRows = (text: string): Row[] =>
  text.split('\n').flatMap((line) => {
    const m = ROW.exec(line);
    if (!m) return [];
    const [, module = '', ...rest] = m;
    const [killed, timeout, survived, noCoverage, statics, equivalent, invalid] = rest
      .slice(0, 7)
      .map(Number);
    return [
      {
        module,
        killed: killed ?? 0,
        timeout: timeout ?? 0,
        survived: survived ?? 0,
        noCoverage: noCoverage ?? 0,
        static: statics ?? 0,
        equivalent: equivalent ?? 0,
        invalid: invalid ?? 0,
        date: rest[7] ?? '',
      },
    ];
  });

const percent = (value: number): string => `${value.toFixed(2)} %`;

const line = (name: string, c: Counts, date: string): string =>
  `| ${name} | ${percent(score(c))} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.noCoverage} | ${c.static} | ${c.equivalent} | ${c.invalid} | ${date} |`;

const total = (rows: readonly Row[]): Counts =>
  rows.reduce<Counts>(
    (sum, r) => ({
      killed: sum.killed + r.killed,
      timeout: sum.timeout + r.timeout,
      survived: sum.survived + r.survived,
      noCoverage: sum.noCoverage + r.noCoverage,
      invalid: sum.invalid + r.invalid,
      static: sum.static + r.static,
      equivalent: sum.equivalent + r.equivalent,
    }),
    { killed: 0, timeout: 0, survived: 0, noCoverage: 0, invalid: 0, static: 0, equivalent: 0 },
  );

const HEADER = [
  '| module | score | killed | timed out | survived | no coverage | static (not run) | marked equivalent | not valid | measured |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
];

/** What the page says besides the table: modules not measured yet, and the `file:lines` entries of the list. */
export interface PageNotes {
  notMeasured?: readonly string[];
  /** Entries of `mutate` that name lines of a file rather than the whole file (`infra/api.ts:162-182`). */
  ranges?: readonly string[];
}

export const render = (rows: readonly Row[], notes: PageNotes = {}): string => {
  const sum = total(rows);
  const { notMeasured = [], ranges = [] } = notes;
  return [
    '# Mutation testing',
    '',
    '<!-- Generated by `npm run mutation:docs` from the JSON reports under reports/mutation/; do not edit by hand. -->',
    '',
    "[StrykerJS](https://stryker-mutator.io) changes the code of the modules that hold the project's guarantees",
    'one small change (a *mutant*) at a time and runs the tests that reach it (`coverageAnalysis: "perTest"`).',
    'A mutant the tests notice is *killed*; one they do not notice *survived*, and shows a behaviour no test',
    'pins down. A timed-out mutant made the tests hang (e.g. a confirmation that never stops waiting) and counts as',
    'detected. The score is killed and timed-out mutants over all valid ones (killed, timed out, survived, no',
    'coverage). Not run, so not in the score: static mutants (below), mutants marked equivalent in the source',
    'with `// Stryker disable next-line <mutator>: why` (a change no caller can observe, each comment says why),',
    'and mutants that are not valid code.',
    '',
    '```sh',
    'npm run mutation                                            # the whole list below (long: see the README)',
    'npm run mutation -- --mutate functions/commons/signalwire/credentials.ts   # one module',
    'npm run mutation:docs                                       # this page, from the JSON reports',
    '```',
    '',
    '## How the total is made',
    '',
    'A run over the whole list writes `reports/mutation/mutation.json`; a run over the modules named with',
    '`--mutate` writes `reports/mutation/by-module/<modules>.json` (both git-ignored, with an HTML report beside',
    "the last one). `npm run mutation:docs` takes each module's row from the newest report that measured it, and",
    'keeps the row of a module without a report; the *measured* column says when each row was measured. The total',
    'is the sum of the rows: when they come from separate runs, it is the sum of those runs. A run over one',
    'module runs its mutants against the test files `stryker.config.mjs` names for that module; a run over',
    'several (the whole list included) against the union of their files, each mutant against those of them that',
    'reached it, so it can only kill as many or more.',
    '',
    '`thresholds.break` in `stryker.config.mjs` makes the command fail when a run scores below it: a run of',
    'named modules below the lowest score those modules reached (`REACHED`), the whole list below its total',
    '(`WHOLE_LIST_BREAK`, the total below, rounded down).',
    '',
    '## Static mutants (`ignoreStatic: true`)',
    '',
    'A *static* mutant is one in code that runs once, when its module is loaded, and not inside any test:',
    'module-level constants, lookup tables, regular expressions, default objects. Per-test coverage cannot tie',
    'it to a test, so Stryker would have to reload the module and run every test of its files for each one (the',
    "integration suites included), which is most of a run's time; and with vitest 5 and a named test-file list",
    'such mutants were seen reported as surviving tests that fail when the same change is made by hand (the',
    'module is loaded before the mutant is switched on: stryker-js issue 6209). Their count would be wrong, so',
    'they are left out, and counted in the *static* column. What they would break is held by tests of behaviour',
    'all the same (a constant emptied changes an answer those tests check), but not counted here.',
    '',
    ...(ranges.length > 0
      ? [
          '## Lines, not whole files',
          '',
          'For these modules the list names the lines that hold the guarantee they are on the list for, not the',
          "whole file (`INFRA_LINES` in `stryker.config.mjs`): the construct's IAM and authorization (the operator",
          "routes' authorizer and JWT scopes, the webhook route's none, `grantInvoke`, `grantCleanupInvoke`,",
          "`grantPublishCallUpdateRequests`, the IAM default, each function's GetSecretValue, kms:Decrypt and",
          "PutEvents; and the secret's grant itself, GetSecretValue and kms:Decrypt per partition, which",
          '`test/infra/secret-grant.test.ts` specifies on one bare function). The rest of those files (alarms,',
          'dashboards, log groups, environment, names) is wiring the list is not about, and every infra mutant runs',
          "CDK synthesis tests: these lines were what fitted the machine's time beside the other modules. A",
          '`--mutate` of a whole file (`npm run mutation -- --mutate infra/api.ts`) measures all of it, with no',
          'threshold, since no whole-file score has been recorded. Each range names the code it holds (`holds`:',
          'the first line of each declaration or statement), and `test/unit/mutation-lines.test.ts` fails when its',
          'lines are no longer exactly that code, saying where the code is now; a range moved onto other code needs a',
          "new run before its module's row means those lines. Mutated:",
          '',
          ...ranges.map((range) => `- \`${range}\``),
          '',
        ]
      : []),
    '## Scores',
    '',
    ...HEADER,
    ...[...rows]
      .sort((a, b) => a.module.localeCompare(b.module))
      .map((r) => line(`\`${r.module}\``, r, r.date)),
    line('**total**', sum, '—'),
    '',
    ...(notMeasured.length > 0
      ? [
          'Not measured yet (in `stryker.config.mjs`, no run recorded here):',
          '',
          ...notMeasured.map((module) => `- \`${module}\``),
          '',
        ]
      : []),
  ].join('\n');
};

const summary = (rows: readonly Row[]): string => {
  const sum = total(rows);
  return `Mutation score: **${percent(score(sum))}** over ${rows.length} modules (${sum.killed + sum.timeout} of ${
    sum.killed + sum.timeout + sum.survived + sum.noCoverage
  } mutants detected); per module in [docs/mutation.md](docs/mutation.md).`;
};

/** The table after a run: the modules it measured replace their rows, the others keep theirs. */
export const mergeRows = (kept: readonly Row[], fresh: readonly Row[]): Row[] => [
  ...kept.filter((r) => !fresh.some((f) => f.module === r.module)),
  ...fresh,
];

/** The modules `npm run mutation` mutates, from Stryker's configuration. */
const configuredModules = async (): Promise<string[]> => {
  const config = (await import(new URL('../stryker.config.mjs', import.meta.url).href)) as {
    default: { mutate: string[] };
  };
  return config.default.mutate;
};

/** Every JSON report under reports/mutation/, oldest first (a later one measured its modules more recently). */
const reports = (): Array<{ report: Report; date: string }> => {
  const files = [
    join(reportDirectory, 'mutation.json'),
    ...(existsSync(byModuleDirectory)
      ? readdirSync(byModuleDirectory)
          .filter((name) => name.endsWith('.json'))
          .map((name) => join(byModuleDirectory, name))
      : []),
  ].filter((file) => existsSync(file));
  return files
    .map((file) => ({ file, modified: statSync(file).mtime }))
    .sort((a, b) => a.modified.getTime() - b.modified.getTime())
    .map(({ file, modified }) => ({
      report: JSON.parse(readFileSync(file, 'utf8')) as Report,
      date: modified.toISOString().slice(0, 10),
    }));
};

const main = async (): Promise<void> => {
  const found = reports();
  if (found.length === 0)
    throw new Error(`no report under ${reportDirectory}: run \`npm run mutation\` first`);
  let rows = existsSync(docFile) ? readRows(readFileSync(docFile, 'utf8')) : [];
  const fresh = new Map<string, Row>();
  for (const { report, date } of found) {
    const measured = Object.entries(report.files).map(([module, file]) => ({
      module,
      date,
      ...countsOf(file.mutants),
    }));
    rows = mergeRows(rows, measured);
    for (const row of measured) fresh.set(row.module, row);
  }
  const mutate = await configuredModules();
  const listed = new Set(mutate.map((entry) => entry.replace(/:[\d:-]+$/, '')));
  // A module taken off the list leaves the table.
  rows = rows.filter((r) => listed.has(r.module));
  const measured = new Set(rows.map((r) => r.module));
  writeFileSync(
    docFile,
    render(rows, {
      notMeasured: [...listed].filter((module) => !measured.has(module)),
      ranges: mutate.filter((entry) => /:[\d:-]+$/.test(entry)),
    }),
  );
  const readme = readFileSync(readmeFile, 'utf8');
  const block = /(<!-- mutation:summary:start[^\n]*-->\n)[\s\S]*?(\n<!-- mutation:summary:end -->)/;
  if (block.test(readme)) writeFileSync(readmeFile, readme.replace(block, `$1${summary(rows)}$2`));
  for (const r of fresh.values())
    if (listed.has(r.module)) console.log(`${r.module}: ${percent(score(r))} (${r.date})`);
  console.log(`total: ${percent(score(total(rows)))} (docs/mutation.md, README.md)`);
};

if (import.meta.main) await main();
