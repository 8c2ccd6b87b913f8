import { cpus, platform, release, totalmem } from 'node:os';
import type { BundleReport } from './build.ts';
import type { Machine, ResultRow } from './report.ts';
import type { BenchCertificates } from './tls.ts';

/** The production bundles, built once per run by the runner. */
export interface Bundles {
  functions: BundleReport[];
  /** The official-SDK reference, bundled as a user would: the AWS SDK's default credential chain included. */
  reference: BundleReport;
  /** The same reference with this project's credential alias (infra/runtime.ts): context for row 1. */
  referenceEnvCredentials: BundleReport;
  /** The reference with `@aws-sdk/*` left external: the AWS SDK taken from the Lambda runtime. */
  referenceRuntimeSdk: BundleReport;
  /** bench/cold-floor-sdk.ts: the cold-start floor of a design that keeps the Secrets Manager client. */
  sdkFloor: BundleReport;
}

/** What every measurement may use; the expensive parts are made on first use and shared. */
export interface BenchContext {
  root: string;
  /** Scratch directory of this run (bundles, certificates, drivers). */
  out: string;
  log(message: string): void;
  bundles(): Promise<Bundles>;
  /** A CA and a loopback server certificate made for this run; undefined when `openssl` is missing. */
  certificates(): Promise<BenchCertificates | undefined>;
}

/** What a measurement hands back: its table rows, its notes (method, and what bounds every miss), raw data. */
export interface MeasurementResult {
  rows: ResultRow[];
  notes: string[];
  details: unknown;
}

/**
 * One measurement of `npm run bench`, in its own module. bench/run.ts runs the list it is given, in order;
 * `npm run bench -- <name> ...` runs only those named.
 */
export interface Measurement {
  /** Command-line name, e.g. `cold-start`. */
  name: string;
  run(context: BenchContext): Promise<MeasurementResult>;
}

export const machine = (): Machine => ({
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  platform: `${platform()} ${release()}`,
  totalMemoryMiB: Math.round(totalmem() / 1024 / 1024),
  date: new Date().toISOString(),
});

export const yesNo = (met: boolean): 'yes' | 'no' => (met ? 'yes' : 'no');
export const count = (value: number): string => value.toLocaleString('en');
export const percent = (part: number, whole: number): string => `${((part / whole) * 100).toFixed(0)} %`;

/** The memory size infra/call-control-function.ts gives every function. */
export const FUNCTION_MEMORY_MB = 512;
/** Lambda's smallest memory size, the target of item 5. */
export const SMALLEST_MEMORY_MB = 128;

/**
 * `BENCH_SCALE` (default 1) multiplies the sample counts, for a short run that checks the measurement code
 * (e.g. `BENCH_SCALE=0.1 npm run bench -- cold-start`); figures of such a run are not for publishing.
 */
export const BENCH_SCALE = Number(process.env.BENCH_SCALE ?? '1') || 1;

/** `count` scaled by {@link BENCH_SCALE}, at least `least`. */
export const scaled = (count: number, least = 1): number => Math.max(least, Math.round(count * BENCH_SCALE));

/** Alternated repeats of every timed row; each row shows the median of its repeats and their min–max. */
export const REPEATS = 3;
