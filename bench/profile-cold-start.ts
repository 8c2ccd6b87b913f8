/**
 * `npx tsx bench/profile-cold-start.ts [bundle] [--maps] [--runs N] [--top N] [--keep DIR]`: where a cold start of a function
 * bundle spends its CPU. Starts the loopback world of the cold-start row (bench/world.ts), runs the same cold
 * sample as `npm run bench -- cold-start` (one fresh `node` per run, the same environment, the first request a
 * `POST /calls/{sid}/terminate`) under `--cpu-prof`, maps every sampled frame back through the bundle's source
 * map to its package or project file, and prints self and total time per package and the hottest functions,
 * separately for the import and for the first request, summed over the runs. Not a measurement of the bench
 * (profiling slows everything down); a tool to find what to defer. Defaults: the prebuilt http-api bundle of
 * `npm run build`, without `--enable-source-maps`, 5 runs.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { terminateEvent } from './harness.ts';
import { assertEnded, seedLive, setups, startWorld, withNodeSourceMaps } from './world.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const runs = option('--runs', 5);
const top = option('--top', 25);
const maps = args.includes('--maps');
/** `--keep DIR`: also leave the .cpuprofile files there (for Chrome DevTools or another analysis). */
const keep = args.includes('--keep') ? resolve(args[args.indexOf('--keep') + 1] ?? '.') : undefined;
const bundle = resolve(
  args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--')) ??
    join(root, 'dist', 'functions', 'default', 'http-api', 'index.mjs'),
);

/** A driver like bench/cold-start-driver.mjs that also reports its phases on the profile's clock (µs). */
const DRIVER = `
import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const now = () => Number(process.hrtime.bigint() / 1000n);
const started = now();
const { handler } = await import(pathToFileURL(process.argv[2]).href);
const imported = now();
const deadline = Date.now() + 30_000;
const context = {
  callbackWaitsForEmptyEventLoop: true, functionName: 'profile', functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:profile', memoryLimitInMB: '512',
  awsRequestId: randomUUID(), logGroupName: '/aws/lambda/profile', logStreamName: 'profile',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
const result = await handler(JSON.parse(process.env.BENCH_EVENT), context);
const answered = now();
writeSync(3, JSON.stringify({ statusCode: result?.statusCode, started, imported, answered }) + '\\n');
process.exit(0);
`;

const work = mkdtempSync(join(tmpdir(), 'cold-profile-'));
const driver = join(work, 'driver.mjs');
writeFileSync(driver, DRIVER);

const bundleUrl = pathToFileURL(bundle).href;
const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as SourceMapPayload);
const mapDir = join(bundle, '..');

/** Who is responsible for a frame: an npm package, a project file, node itself, or V8's pseudo frames. */
const ownerOf = (frame: CallFrame): { owner: string; where: string } => {
  if (frame.url === bundleUrl) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
    const source = 'originalSource' in entry ? resolve(mapDir, entry.originalSource) : undefined;
    if (!source) return { owner: 'bundle (unmapped)', where: `${frame.lineNumber}:${frame.columnNumber}` };
    const where = `${source.replace(`${root}/`, '')}:${('originalLine' in entry ? entry.originalLine : 0) + 1}`;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
    return { owner: pkg ?? source.replace(`${root}/`, ''), where };
  }
  if (frame.url.startsWith('node:')) return { owner: 'node: built-ins', where: frame.url };
  if (frame.url === '') return { owner: frame.functionName || '(anonymous)', where: '' };
  if (frame.url.startsWith('file:')) {
    const path = fileURLToPath(frame.url);
    return { owner: path === driver ? 'driver' : path, where: path };
  }
  return { owner: frame.url, where: frame.url };
};

type Phase = 'before import' | 'import' | 'first request' | 'after';
const PHASES: Phase[] = ['before import', 'import', 'first request', 'after'];
const table = () => ({
  self: new Map<string, number>(),
  total: new Map<string, number>(),
  /** Self time of node's own code charged to the nearest bundle frame that called it. */
  caller: new Map<string, number>(),
});
const byPhase = Object.fromEntries(
  PHASES.map((phase) => [phase, { owners: table(), functions: table(), ms: 0 }]),
) as Record<Phase, { owners: ReturnType<typeof table>; functions: ReturnType<typeof table>; ms: number }>;
const add = (into: Map<string, number>, key: string, us: number) => into.set(key, (into.get(key) ?? 0) + us);

const world = await startWorld();
try {
  const setup = setups(world, join(root, 'bench', '.out')).project;
  const { env } = maps ? withNodeSourceMaps(setup) : setup;
  for (let run = 0; run < runs; run++) {
    const sid = seedLive(world);
    const dir = join(work, `run-${run}`);
    mkdirSync(dir);
    const child = spawn(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', dir, driver, bundle],
      {
        env: { ...env, BENCH_EVENT: JSON.stringify(terminateEvent(sid)) },
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      },
    );
    // The world serves from this process: wait without blocking its event loop.
    let line = '';
    let stderr = '';
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      line += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const status = await new Promise<number | null>((done) => child.once('exit', done));
    const report = JSON.parse(line.trim() || '{}') as Record<string, number>;
    if (status !== 0 || report.statusCode !== 200) {
      throw new Error(`run ${run}: exit ${status}, ${JSON.stringify(report)}: ${stderr}`);
    }
    assertEnded(world, [sid], 'profiled cold start');
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    const profile = JSON.parse(readFileSync(join(dir, file ?? ''), 'utf8')) as CpuProfile;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(join(dir, file ?? ''), join(keep, `run-${run}.cpuprofile`));
    }
    const parent = new Map<number, number>();
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const started = report.started ?? 0;
    const imported = report.imported ?? 0;
    const answered = report.answered ?? 0;
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      at += us;
      const phase: Phase =
        at < started ? 'before import' : at < imported ? 'import' : at < answered ? 'first request' : 'after';
      const into = byPhase[phase];
      into.ms += us / 1000;
      const seenOwners = new Set<string>();
      const seenFunctions = new Set<string>();
      let first = true;
      let charged = false;
      for (let node = nodes.get(id); node; node = nodes.get(parent.get(node.id) ?? -1)) {
        const { owner, where } = ownerOf(node.callFrame);
        const fn = `${node.callFrame.functionName || '(anonymous)'} ${where}`;
        if (first) {
          add(into.owners.self, owner, us);
          add(into.functions.self, fn, us);
          first = false;
        }
        if (!charged && node.callFrame.url === bundleUrl) {
          add(into.owners.caller, owner, us);
          add(into.functions.caller, fn, us);
          charged = true;
        }
        if (!seenOwners.has(owner)) add(into.owners.total, owner, us);
        if (!seenFunctions.has(fn)) add(into.functions.total, fn, us);
        seenOwners.add(owner);
        seenFunctions.add(fn);
      }
    });
  }
} finally {
  await world.stop();
  rmSync(work, { recursive: true, force: true });
}

const print = (title: string, values: Map<string, number>, limit: number) => {
  console.log(`  ${title}`);
  const sorted = [...values].sort((a, b) => b[1] - a[1]).slice(0, limit);
  for (const [key, us] of sorted) console.log(`    ${(us / 1000 / runs).toFixed(2).padStart(8)} ms  ${key}`);
};
console.log(`${bundle}, ${maps ? 'with' : 'without'} --enable-source-maps, mean of ${runs} profiled runs`);
for (const phase of PHASES) {
  const { owners, functions, ms } = byPhase[phase];
  console.log(`\n${phase}: ${(ms / runs).toFixed(1)} ms sampled`);
  print('self, by owner', owners.self, top);
  print('self with the node built-ins it called, by owner', owners.caller, top);
  print('total, by owner', owners.total, top);
  print('self, by function', functions.self, top);
  print('self with the node built-ins it called, by function', functions.caller, top);
  print('total, by function', functions.total, top);
}
