/** One line of the results table: the project's figure next to the reference's, and the target. */
export interface ResultRow {
  /** Issue item: 1 bundle size, 2 cold start, 3 warm overhead, 4 cleanup, 5 memory, 6 CLI start-up, 7 console. */
  item: number;
  metric: string;
  project: string;
  reference: string;
  /** Project / reference, as displayed. */
  ratio: string;
  target: string;
  /** `n/a` for rows shown for context only. */
  met: 'yes' | 'no' | 'n/a' | 'not measured';
  /** The raw numbers behind the display strings. */
  values: { project?: number; reference?: number; ratio?: number; unit?: string };
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

/** `0.177 (1/5.7)` for shares below one, `1.32x` above. */
export const ratio = (value: number): string => {
  if (!Number.isFinite(value)) return '—';
  return value < 1 ? `${value.toFixed(3)} (1/${(1 / value).toFixed(1)})` : `${value.toFixed(2)}x`;
};

const cell = (text: string): string => text.replaceAll('|', '\\|');

/** One result row as a Markdown table row (docs/benchmarks.md and the README summary). */
const tableRow = (row: ResultRow): string =>
  [
    '',
    row.item,
    cell(row.metric),
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
