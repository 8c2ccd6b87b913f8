/**
 * `npx tsx bench/cli-startup.ts [runs]`: how fast `call-control --help` starts, as a ratio to `node -e 0`
 * (both on the Node running this script, Node 24 through npx). Builds the CLI bundle first, then alternates
 * the two commands `runs` times each and compares medians. Run through `bin/call-control.mjs`, the file
 * `npx call-control` runs.
 *
 * The launcher turns on Node's compile cache (Node 22.1+), which keeps V8's code for the bundle between runs in
 * the folder NODE_COMPILE_CACHE names, else in a folder of the user's own in the temporary folder
 * (`<tmpdir>/call-control-compile-cache-<uid>`). So that the figures say what they measure, every run here gets a
 * temporary folder (TMPDIR) of the bench's own and no NODE_COMPILE_CACHE, as an operator runs it: the headline is
 * later runs (a cache the warm-up filled, as every run of an operator's after the first), and the first run is
 * measured too, each one with a new empty folder. `measureCliStartup()` returns the figures for `npm run bench`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../scripts/build-cli.ts';
import type { Measurement } from './measurement.ts';

export interface CliStartupFigures {
  runs: number;
  nodeVersion: string;
  /** Median wall time of `node -e 0`, ms. */
  nodeMedianMs: number;
  /** Median wall time of `node bin/call-control.mjs --help`, ms, with the compile cache the warm-up filled. */
  cliHelpMedianMs: number;
  /** cliHelpMedianMs / nodeMedianMs. */
  ratio: number;
  /** Median wall time of the first run: `--help` with an empty compile cache folder each time, ms. */
  cliHelpFirstRunMedianMs: number;
  /** Median of `node -e 0` alternated with the first runs, ms. */
  nodeFirstRunMedianMs: number;
  /** cliHelpFirstRunMedianMs / nodeFirstRunMedianMs. */
  firstRunRatio: number;
  /** Size of the bundle's entry file, bytes (what `--help` loads besides the launcher). */
  entryBytes: number;
}

const LAUNCHER = fileURLToPath(new URL('../bin/call-control.mjs', import.meta.url));

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const time = (args: string[], tmp: string): number => {
  // The launcher's own cache folder in the bench's temporary folder, whatever the caller's environment says
  // (NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE included).
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const elapsed = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
};

const round = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;

export const measureCliStartup = async (runs = 21): Promise<CliStartupFigures> => {
  const entry = await buildCli();
  const root = mkdtempSync(join(tmpdir(), 'call-control-bench-compile-cache-'));
  try {
    // First runs: a new, empty cache folder for each, as an operator's very first `call-control`.
    const nodeCold: number[] = [];
    const cliCold: number[] = [];
    for (let i = 0; i < runs; i++) {
      const empty = mkdtempSync(join(root, 'first-'));
      nodeCold.push(time(['-e', '0'], empty));
      cliCold.push(time([LAUNCHER, '--help'], empty));
      rmSync(empty, { recursive: true, force: true });
    }
    // Later runs: one folder, filled by two warm-up runs.
    const warm = mkdtempSync(join(root, 'warm-'));
    const node: number[] = [];
    const cli: number[] = [];
    for (let i = 0; i < 2; i++) {
      time(['-e', '0'], warm);
      time([LAUNCHER, '--help'], warm);
    }
    // The row says the cache is warm: it must be there (the launcher's folder, with Node's entries in it).
    if (
      readdirSync(warm, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length ===
      0
    )
      throw new Error(`the launcher kept no compile cache in ${warm}`);
    for (let i = 0; i < runs; i++) {
      node.push(time(['-e', '0'], warm));
      cli.push(time([LAUNCHER, '--help'], warm));
    }
    const [nodeMedianMs, cliHelpMedianMs] = [median(node), median(cli)];
    const [nodeFirst, cliFirst] = [median(nodeCold), median(cliCold)];
    return {
      runs,
      nodeVersion: process.version,
      nodeMedianMs: round(nodeMedianMs, 1),
      cliHelpMedianMs: round(cliHelpMedianMs, 1),
      ratio: round(cliHelpMedianMs / nodeMedianMs, 2),
      cliHelpFirstRunMedianMs: round(cliFirst, 1),
      nodeFirstRunMedianMs: round(nodeFirst, 1),
      firstRunRatio: round(cliFirst / nodeFirst, 2),
      entryBytes: statSync(entry).size,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 21);
  const figures = await measureCliStartup(runs);
  console.log(
    `call-control --help: ${figures.cliHelpMedianMs} ms, node -e 0: ${figures.nodeMedianMs} ms ` +
      `(median of ${figures.runs}, ${figures.nodeVersion}, compile cache warm): ratio ${figures.ratio} (goal <= 1.35); ` +
      `first run (empty cache): ${figures.cliHelpFirstRunMedianMs} ms vs ${figures.nodeFirstRunMedianMs} ms, ratio ${figures.firstRunRatio}`,
  );
  console.log(JSON.stringify(figures));
}

/** The `cli-startup` measurement of `npm run bench` (issue 13, item 6). */
export const cliStartup: Measurement = {
  name: 'cli-startup',
  async run() {
    const figures = await measureCliStartup();
    return {
      rows: [
        {
          item: 6,
          id: 'cli-help',
          metric: `\`call-control --help\` start-up, median of ${figures.runs} (${figures.nodeVersion}; compile cache warm, in a temporary folder of the bench's; first run: ${figures.firstRunRatio}×)`,
          project: `${figures.cliHelpMedianMs} ms`,
          reference: `${figures.nodeMedianMs} ms (\`node -e 0\`)`,
          ratio: `${figures.ratio}×`,
          target: '≤ 1.35×',
          met: figures.ratio <= 1.35 ? 'yes' : 'no',
          values: {
            project: figures.cliHelpMedianMs,
            reference: figures.nodeMedianMs,
            ratio: figures.ratio,
            unit: 'ms',
          },
        },
      ],
      notes: [
        `CLI start-up: \`node bin/call-control.mjs --help\` (what \`npx call-control\` runs) against \`node -e 0\`, alternated, medians of ${figures.runs}. \`--help\` and \`--version\` alone are answered by the bundle's entry (${(figures.entryBytes / 1024).toFixed(1)} KiB) and one small chunk; commands load the AWS SDK and the cleanup engine only when they run (one chunk per command). The launcher turns on Node's compile cache (Node 22.1+; NODE_COMPILE_CACHE, else a folder of the user's own, <tmpdir>/call-control-compile-cache-<uid>; NODE_DISABLE_COMPILE_CACHE=1 turns it off): each run here gets a temporary folder (TMPDIR) of the bench's own, and so the launcher's cache folder in it. The row is later runs (the cache filled by two warm-up runs); the first run, each with a new empty folder, took ${figures.cliHelpFirstRunMedianMs} ms against ${figures.nodeFirstRunMedianMs} ms (${figures.firstRunRatio}×).`,
      ],
      details: figures,
    };
  },
};
