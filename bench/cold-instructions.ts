/**
 * `npx tsx bench/cold-instructions.ts [label=bundle ...] [--runs N]`: instructions (valgrind callgrind,
 * `Ir`) of a cold start, split into the bundle's compilation, its import and the first request, for A/B comparisons
 * of function bundles on a shared machine, where wall and CPU time move with the load of other work. Each run is a
 * fresh `node --predictable` under callgrind in the cold-start row's loopback world (bench/world.ts) and
 * environment: once compiling the bundle's text only (`vm.SourceTextModule`, nothing evaluated), once importing it,
 * once running bench/cold-start-driver.mjs (import, then the first `POST /calls/{sid}/terminate`); the first
 * request is the difference of the last two medians. V8's `--predictable` (no concurrent compilation or marking,
 * a fixed hash seed) makes the counts repeat: two imports of the http-api bundle differed by 0.03 M of about 320 M,
 * where without it they differ by up to 8 M; the first request, which waits on sockets, still varies (by up to
 * 13 M of some 110 M seen here), so give it more runs. It also changes what V8 does (no background threads, other
 * heuristics), and the counts are larger than without it: read differences, not totals. Node's own bootstrap is
 * in every count. Defaults: the prebuilt http-api bundle of `npm run build` against the SDK floor
 * (bench/cold-floor-sdk.ts, built here); 3 runs. Needs valgrind (`apt-get install valgrind`); a run takes seconds to a minute. Over http only: under
 * callgrind's slowdown the TLS handshakes outlast the functions' own connection timeouts. Not a row of the bench: a
 * tool to tell whether a change to what a cold start runs pays.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { bundle as buildBundle } from './build.ts';
import { callgrindTotal, spawnUnderCallgrind } from './callgrind.ts';
import { median, terminateEvent } from './harness.ts';
import { assertEnded, seedLive, setups, startWorld } from './world.ts';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
const work = mkdtempSync(join(tmpdir(), 'cold-instructions-'));

const arms: Array<[string, string]> = args
  .filter((arg) => arg.includes('='))
  .map((arg) => [arg.slice(0, arg.indexOf('=')), resolve(arg.slice(arg.indexOf('=') + 1))]);
if (arms.length === 0) {
  await buildBundle(root, 'bench/cold-floor-sdk.ts', 'sdk-floor', work);
  arms.push(
    ['http-api', join(root, 'dist', 'functions', 'default', 'http-api', 'index.mjs')],
    ['sdk-floor', join(work, 'sdk-floor', 'index.mjs')],
  );
}

const importOnly = join(work, 'import-only.mjs');
writeFileSync(
  importOnly,
  "import { pathToFileURL } from 'node:url';\nawait import(pathToFileURL(process.argv[2]).href);\nprocess.exit(0);\n",
);
const compileOnly = join(work, 'compile-only.mjs');
writeFileSync(
  compileOnly,
  "import { readFileSync } from 'node:fs';\nimport vm from 'node:vm';\nnew vm.SourceTextModule(readFileSync(process.argv[2], 'utf8'));\n",
);
const driver = join(root, 'bench', 'cold-start-driver.mjs');

/** Instructions of one `node script bundle` under callgrind; the driver's answer (fd 3) must be a 200. */
const instructions = (script: string, bundle: string, env: NodeJS.ProcessEnv): Promise<number> =>
  new Promise((done, fail) => {
    const out = join(work, 'callgrind.out');
    const child = spawnUnderCallgrind(
      out,
      [...(script === compileOnly ? ['--experimental-vm-modules', '--no-warnings'] : []), script, bundle],
      { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let report = '';
    (child.stdio[3] as Readable | undefined)?.on('data', (chunk: Buffer) => {
      report += chunk.toString();
    });
    child.once('error', fail);
    // `close`, not `exit`: the answer on fd 3 is read to its end first.
    child.once('close', (code) => {
      if (code !== 0) {
        fail(new Error(`valgrind node ${script} exited with ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const total = callgrindTotal(out);
      rmSync(out, { force: true });
      const status = report ? (JSON.parse(report) as { statusCode?: number }).statusCode : 200;
      if (status !== 200)
        fail(new Error(`${bundle} answered ${status} under callgrind: ${stderr.slice(-2000)}`));
      else done(total);
    });
  });

const world = await startWorld();
const counts = new Map<string, { compiles: number[]; imports: number[]; cold: number[] }>();
try {
  const { env } = setups(world, work).project;
  for (let run = 0; run < runs; run++) {
    for (const [label, file] of arms) {
      const sid = seedLive(world);
      const runEnv = { ...env, BENCH_EVENT: JSON.stringify(terminateEvent(sid)) };
      const into = counts.get(label) ?? { compiles: [], imports: [], cold: [] };
      counts.set(label, into);
      into.compiles.push(await instructions(compileOnly, file, runEnv));
      into.imports.push(await instructions(importOnly, file, runEnv));
      into.cold.push(await instructions(driver, file, runEnv));
      assertEnded(world, [sid], `${label} under callgrind`);
    }
  }
} finally {
  await world.stop();
  rmSync(work, { recursive: true, force: true });
}

const mega = (value: number) => `${(value / 1e6).toFixed(1)} M`;
const first = counts.get(arms[0]?.[0] ?? '');
console.log(`instructions (callgrind Ir), medians of ${runs}, http:`);
for (const [label, { compiles, imports, cold }] of counts) {
  const [compiled, imported, answered] = [median(compiles), median(imports), median(cold)];
  const versus =
    first && counts.get(label) !== first
      ? `; vs ${arms[0]?.[0]}: compilation ${mega(compiled - median(first.compiles))}, import ${mega(imported - median(first.imports))}, total ${mega(answered - median(first.cold))}`
      : '';
  console.log(
    `  ${label}: compilation (with node's bootstrap) ${mega(compiled)}, import ${mega(imported)}, first request ` +
      `${mega(answered - imported)}, total ${mega(answered)} (imports ${imports.map(mega).join(', ')}; totals ` +
      `${cold.map(mega).join(', ')})${versus}`,
  );
}
