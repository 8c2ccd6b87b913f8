/** One line of the results table: the project's figure next to the reference's, and the target. */
export interface ResultRow {
  /** Issue item: 1 bundle size, 2 cold start, 3 warm overhead, 4 cleanup, 5 memory, 6 CLI start-up, 7 cost, 8 console. */
  item: number;
  /**
   * Stable name of a target row (issue 22's table: `cold-vs-sdk-default`, `warm-vs-node-http`, ...), so a reader
   * finds it in bench/results.json without parsing its label.
   */
  id?: string;
  metric: string;
  project: string;
  reference: string;
  /** Project / reference, as displayed. */
  ratio: string;
  target: string;
  /** `n/a` for rows shown for context only. */
  met: 'yes' | 'no' | 'n/a' | 'not measured';
  /** The raw numbers behind the display strings. */
  values: {
    project?: number;
    reference?: number;
    ratio?: number;
    unit?: string;
    /** Lowest and highest ratio over the alternated repeats (`ratio` is their median). */
    ratioMin?: number;
    ratioMax?: number;
    /** Lowest and highest `project` over the repeats, for a row with no ratio (`project` is their median). */
    projectMin?: number;
    projectMax?: number;
    repeats?: number;
  };
  /** A context row that the README summary shows too, next to the target it qualifies. */
  summary?: boolean;
}

export interface Machine {
  node: string;
  cpu: string;
  cores: number;
  platform: string;
  totalMemoryMiB: number;
  date: string;
}

const KIB = 1024;
const MIB = 1024 * 1024;

export const kib = (bytes: number): string => `${(bytes / KIB).toFixed(1)} KiB`;
export const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
export const ms = (value: number): string =>
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 2 : 1)} ms`;

/** Microseconds, for CPU per request or per call: the steps between them are tens of µs, below `ms()`'s digits. */
export const us = (value: number): string => `${(value * 1000).toFixed(0)} µs`;

/** `0.177 (1/5.7)` for shares below one, `1.32x` above. */
export const ratio = (value: number): string => {
  if (!Number.isFinite(value)) return '—';
  return value < 1 ? `${value.toFixed(3)} (1/${(1 / value).toFixed(1)})` : `${value.toFixed(2)}x`;
};

/** Median, lowest and highest of the per-repeat figures of one row. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  repeats: number;
}

/** The spread of `values` (one figure per alternated repeat). */
export const spread = (values: readonly number[]): Spread => {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, repeats: 0 };
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return {
    median,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    repeats: sorted.length,
  };
};

/** `0.412 (1/2.4), min–max 0.398–0.447 over 3 repeats`: the median ratio and its range. */
export const ratioSpread = (s: Spread): string => {
  if (s.repeats === 0) return '—';
  const digits = (value: number) => value.toFixed(value < 10 ? 3 : 1);
  return `${ratio(s.median)}, min–max ${digits(s.min)}–${digits(s.max)} over ${s.repeats} repeats`;
};

/** The `values` of a row whose ratio is the median of per-repeat ratios. */
export const spreadValues = (
  s: Spread,
  project: number,
  reference: number,
  unit: string,
): ResultRow['values'] => ({
  project,
  reference,
  ratio: s.median,
  unit,
  ratioMin: s.min,
  ratioMax: s.max,
  repeats: s.repeats,
});

/**
 * AWS Lambda's on-demand prices for arm64 (the architecture every function here is deployed on), US East
 * (N. Virginia), first duration tier (up to 7.5 billion GB-s a month), free tier not deducted. Source:
 * https://aws.amazon.com/lambda/pricing/ (read 2026-12-06; unchanged since arm64 launched in 2021). Since
 * 1 August 2025 the init phase of on-demand functions is billed as duration too, at the same rate.
 */
export const LAMBDA_ARM64_PRICE = {
  usdPerGbSecond: 0.0000133334,
  usdPerMillionRequests: 0.2,
  source: 'https://aws.amazon.com/lambda/pricing/ (arm64, us-east-1, first tier; read 2026-12-06)',
} as const;

/** What one million requests of a function cost, and what it is made of. */
export interface CostInput {
  /** Billed duration of a warm request (ms); Lambda rounds each request up to the next whole ms. */
  warmMs: number;
  /** Init (cold start) duration (ms), billed too. */
  initMs: number;
  /** Configured memory (MB); Lambda bills the configured size, not what the process uses. */
  memoryMb: number;
  /** Share of requests that meet a cold container (0–1). */
  coldShare: number;
}

/** USD per 1M requests at {@link LAMBDA_ARM64_PRICE}: requests, warm duration, and init of the cold share. */
export const costPerMillion = (input: CostInput): number => {
  const gb = input.memoryMb / 1024;
  const warmSeconds = Math.ceil(input.warmMs) / 1000;
  const initSeconds = Math.ceil(input.initMs) / 1000;
  const gbSecondsPerRequest = gb * (warmSeconds + input.coldShare * initSeconds);
  return (
    LAMBDA_ARM64_PRICE.usdPerMillionRequests +
    1_000_000 * gbSecondsPerRequest * LAMBDA_ARM64_PRICE.usdPerGbSecond
  );
};

export const usd = (value: number): string => `$${value.toFixed(value < 10 ? 3 : 2)}`;

/** Share of requests assumed to meet a cold container in the cost row (one in a hundred). */
export const COST_COLD_SHARE = 0.01;

/**
 * The `cost-per-million` row, derived from rows of the same run: warm duration from `warm-vs-sdk` (project and
 * official SDK, both p50) and init from `cold-vs-sdk-default` (spawn to first answer), both at `memoryMb`.
 * Marked `not measured` when either row is missing from the run.
 */
export const costRow = (rows: readonly ResultRow[], memoryMb: number): ResultRow => {
  const warm = rows.find((row) => row.id === 'warm-vs-sdk')?.values;
  const cold = rows.find((row) => row.id === 'cold-vs-sdk-default')?.values;
  const metric =
    `Cost per 1M HTTP requests at ${memoryMb} MB, arm64 (warm p50 duration, ${COST_COLD_SHARE * 100} % of ` +
    'requests paying a cold start, requests fee included)';
  if (
    warm?.project === undefined ||
    warm.reference === undefined ||
    cold?.project === undefined ||
    cold.reference === undefined
  ) {
    return {
      item: 7,
      id: 'cost-per-million',
      metric,
      project: 'not measured: needs the warm and cold-start measurements in the same run',
      reference: '—',
      ratio: '—',
      target: 'present',
      met: 'not measured',
      values: {},
    };
  }
  const project = costPerMillion({
    warmMs: warm.project,
    initMs: cold.project,
    memoryMb,
    coldShare: COST_COLD_SHARE,
  });
  const reference = costPerMillion({
    warmMs: warm.reference,
    initMs: cold.reference,
    memoryMb,
    coldShare: COST_COLD_SHARE,
  });
  return {
    item: 7,
    id: 'cost-per-million',
    metric,
    project: usd(project),
    reference: usd(reference),
    ratio: ratio(project / reference),
    target: 'present',
    met: 'yes',
    values: { project, reference, ratio: project / reference, unit: 'USD' },
  };
};

const cell = (text: string): string => text.replaceAll('|', '\\|');

/** One result row as a Markdown table row (docs/benchmarks.md and the README summary). */
const tableRow = (row: ResultRow): string =>
  [
    '',
    row.item,
    cell(row.id ? `${row.metric} \`${row.id}\`` : row.metric),
    cell(row.project),
    cell(row.reference),
    cell(row.ratio),
    cell(row.target),
    row.met,
    '',
  ]
    .join(' | ')
    .trim();

/** The Markdown page: machine, table, then the notes (method, and for each miss what limits it). */
export const renderMarkdown = (
  machine: Machine,
  rows: ResultRow[],
  notes: string[],
  durationMs: number,
): string => {
  const table = [
    '| # | Metric | Project | Reference | Ratio | Target | Met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(tableRow),
  ];
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts, one module per measurement); the same figures, with the',
    'cold-start samples, warm percentiles and every cleanup report, are in `bench/results.json`. Re-run it to',
    'refresh this page (`npm run bench -- cold-start` runs one measurement and writes bench/.out/results.json',
    'only); numbers depend on the machine.',
    '',
    `- Node: ${machine.node}`,
    `- CPU: ${machine.cpu} (${machine.cores} cores), ${machine.platform}, ${machine.totalMemoryMiB} MiB RAM`,
    `- Date: ${machine.date}`,
    `- Bench run time: ${ms(durationMs)}`,
    '',
    ...table,
    '',
    '## Notes',
    '',
    ...notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
};

export const README_SUMMARY_START = '<!-- bench:summary:start (written by npm run bench) -->';
export const README_SUMMARY_END = '<!-- bench:summary:end -->';

/**
 * The README's summary: every row with a target, and the context rows marked `summary`, from the same run as
 * docs/benchmarks.md.
 */
export const renderSummary = (machine: Machine, rows: ResultRow[]): string =>
  [
    README_SUMMARY_START,
    `Last full run: ${machine.date.slice(0, 10)}, Node ${machine.node}, ${machine.cores} cores ` +
      '(a shared machine: figures move by 10-20 % from run to run; ratios compare figures of the same run).',
    '',
    '| # | measurement | project | reference | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows
      .filter((row) => row.summary || row.met === 'yes' || row.met === 'no' || row.met === 'not measured')
      .map(tableRow),
    README_SUMMARY_END,
  ].join('\n');

/** Replaces the summary block of `readme` (between the markers); the text unchanged when it has none. */
export const replaceSummary = (readme: string, summary: string): string => {
  const start = readme.indexOf(README_SUMMARY_START);
  const end = readme.indexOf(README_SUMMARY_END);
  if (start < 0 || end < start) return readme;
  return readme.slice(0, start) + summary + readme.slice(end + README_SUMMARY_END.length);
};
