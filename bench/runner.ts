import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAll } from './build.ts';
import {
  BENCH_SCALE,
  type BenchContext,
  type Bundles,
  FUNCTION_MEMORY_MB,
  type Measurement,
  machine,
} from './measurement.ts';
import {
  costRow,
  LAMBDA_ARM64_PRICE,
  ms,
  type ResultRow,
  renderMarkdown,
  renderSummary,
  replaceSummary,
} from './report.ts';
import { type BenchCertificates, makeCertificates } from './tls.ts';

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

/**
 * Variables that change how the bench's children run, to see where a row's time goes (bench/harness.ts,
 * bench/callgrind.ts): their figures are not the code's, so a run with any of them set is not published.
 */
const DIAGNOSTIC_VARIABLES = [
  'BENCH_NODE_FLAGS',
  'BENCH_CHILD_STDOUT',
  'BENCH_CPU_PROF_DIR',
  'BENCH_CALLGRIND_OUT',
  'BENCH_CALLGRIND_NODE_FLAGS',
] as const;

/** The diagnostic variables set (not blank) in `env`. */
export const diagnosticsSet = (env: NodeJS.ProcessEnv): string[] =>
  DIAGNOSTIC_VARIABLES.filter((name) => (env[name] ?? '').trim() !== '');

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
};

/**
 * Runs `measurements` (all of them, or those named in `only`) and writes the figures. A full run writes
 * bench/results.json, docs/benchmarks.md and the README's summary block; a run of some measurements, or a
 * shortened one (`BENCH_SCALE`) or a diagnostic one ({@link diagnosticsSet}), writes bench/.out/results.json only,
 * so the committed page always comes from one complete run of the code as it ships.
 */
export const runBench = async (root: string, measurements: Measurement[], only: string[]): Promise<void> => {
  const unknown = only.filter((name) => !measurements.some((measurement) => measurement.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown measurement ${unknown.join(', ')}; known: ${measurements.map((measurement) => measurement.name).join(', ')}`,
    );
  }
  const selected =
    only.length === 0 ? measurements : measurements.filter((measurement) => only.includes(measurement.name));
  const started = performance.now();
  if (!process.version.startsWith('v24.')) {
    log(`warning: running on Node ${process.version}; run it through \`npm run bench\` to get Node 24`);
  }
  const out = join(root, 'bench', '.out');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const context: BenchContext = {
    root,
    out,
    log,
    bundles: once(async (): Promise<Bundles> => {
      log('building the production bundles');
      return buildAll(root, out);
    }),
    certificates: once(async (): Promise<BenchCertificates | undefined> => {
      const made = makeCertificates(join(out, 'tls'));
      if (!made) log('openssl not found: the https rows are not measured');
      return made;
    }),
  };

  const rows: ResultRow[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  for (const measurement of selected) {
    log(`${measurement.name}`);
    const result = await measurement.run(context);
    rows.push(...result.rows);
    notes.push(...result.notes);
    details[measurement.name] = result.details;
  }
  if (rows.some((row) => row.id === 'warm-vs-sdk' || row.id === 'cold-vs-sdk-default')) {
    rows.push(costRow(rows, FUNCTION_MEMORY_MB));
    notes.push(
      `Cost per 1M requests: ${LAMBDA_ARM64_PRICE.usdPerMillionRequests} USD per million requests plus ` +
        `${LAMBDA_ARM64_PRICE.usdPerGbSecond} USD per GB-s (${LAMBDA_ARM64_PRICE.source}) of the configured ` +
        'memory, for the warm p50 of each side (rounded up to whole ms, as Lambda bills) and, for the share of ' +
        'cold requests, its spawn-to-first-answer time as init. Loopback latency 0: against a real SignalWire ' +
        'both sides add the same network wait, which shrinks the ratio towards 1.',
    );
  }
  notes.push(
    'Timings come from a shared 2-core machine; other work running at the same time shows up as noise, ' +
      'mostly in the p99 and cleanup rows. Ratios compare figures of the same run.',
  );

  const durationMs = performance.now() - started;
  const info = machine();
  const results = {
    machine: info,
    durationMs,
    measurements: selected.map((m) => m.name),
    rows,
    notes,
    details,
  };
  // A shortened run (BENCH_SCALE) checks the code, a diagnostic one (flags, profiles, callgrind) shows where the
  // time goes: their figures never replace the published ones.
  const diagnostics = diagnosticsSet(process.env);
  const full = selected.length === measurements.length && BENCH_SCALE === 1 && diagnostics.length === 0;
  if (BENCH_SCALE !== 1) {
    notes.push(
      `BENCH_SCALE=${BENCH_SCALE}: sample counts scaled for a check of the code; not for publishing.`,
    );
  }
  if (diagnostics.length > 0) {
    notes.push(`${diagnostics.join(', ')} set: the children ran with diagnostics; not for publishing.`);
  }
  const resultsFile = full ? join(root, 'bench', 'results.json') : join(out, 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  if (full) {
    mkdirSync(join(root, 'docs'), { recursive: true });
    writeFileSync(join(root, 'docs', 'benchmarks.md'), renderMarkdown(info, rows, notes, durationMs));
    const readme = join(root, 'README.md');
    if (existsSync(readme)) {
      writeFileSync(readme, replaceSummary(readFileSync(readme, 'utf8'), renderSummary(info, rows)));
    }
  }
  log(
    `done in ${ms(durationMs)}: ${full ? 'bench/results.json, docs/benchmarks.md, README.md' : resultsFile}`,
  );
  for (const row of rows) {
    log(`${row.met.padEnd(12)} ${row.metric}: ${row.project} | ${row.reference} | ${row.ratio}`);
  }
};
