/**
 * `npx tsx bench/cli-startup.ts [runs]`: how fast `call-control --help` starts, as a ratio to `node -e 0`
 * (both on the Node running this script, Node 24 through npx). Builds the CLI bundle first, then alternates
 * the two commands `runs` times each (after two warm-up runs of each, which also fill Node's compile cache)
 * and compares medians. Run through `bin/call-control.mjs`, the file `npx call-control` runs.
 * `measureCliStartup()` returns the figures for `npm run bench`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildCli } from '../scripts/build-cli.ts';
import type { Measurement } from './measurement.ts';

export interface CliStartupFigures {
  runs: number;
  nodeVersion: string;
  /** Median wall time of `node -e 0`, ms. */
  nodeMedianMs: number;
  /** Median wall time of `node bin/call-control.mjs --help`, ms. */
  cliHelpMedianMs: number;
  /** cliHelpMedianMs / nodeMedianMs; the goal is at most 3. */
  ratio: number;
  /** Size of the bundle's entry file, bytes (what `--help` loads besides the launcher). */
  entryBytes: number;
}

const LAUNCHER = fileURLToPath(new URL('../bin/call-control.mjs', import.meta.url));

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const time = (args: string[]): number => {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
};

export const measureCliStartup = async (runs = 21): Promise<CliStartupFigures> => {
  const entry = await buildCli();
  const { statSync } = await import('node:fs');
  const node: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < 2; i++) {
    time(['-e', '0']);
    time([LAUNCHER, '--help']);
  }
  for (let i = 0; i < runs; i++) {
    node.push(time(['-e', '0']));
    cli.push(time([LAUNCHER, '--help']));
  }
  const nodeMedianMs = median(node);
  const cliHelpMedianMs = median(cli);
  return {
    runs,
    nodeVersion: process.version,
    nodeMedianMs: Math.round(nodeMedianMs * 10) / 10,
    cliHelpMedianMs: Math.round(cliHelpMedianMs * 10) / 10,
    ratio: Math.round((cliHelpMedianMs / nodeMedianMs) * 100) / 100,
    entryBytes: statSync(entry).size,
  };
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 21);
  const figures = await measureCliStartup(runs);
  console.log(
    `call-control --help: ${figures.cliHelpMedianMs} ms, node -e 0: ${figures.nodeMedianMs} ms ` +
      `(median of ${figures.runs}, ${figures.nodeVersion}): ratio ${figures.ratio} (goal <= 3)`,
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
          metric: `\`call-control --help\` start-up, median of ${figures.runs} (${figures.nodeVersion})`,
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
        `CLI start-up: \`node bin/call-control.mjs --help\` (what \`npx call-control\` runs) against \`node -e 0\`, alternated, medians of ${figures.runs} after two warm-up runs each. The bundle's entry file is ${(figures.entryBytes / 1024).toFixed(1)} KiB; commands load the AWS SDK and the cleanup engine only when they run (one chunk per command).`,
      ],
      details: figures,
    };
  },
};
