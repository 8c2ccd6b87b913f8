/**
 * `npx tsx bench/warm-instructions.ts [label=bundle[#layer] | bare | floor | required | project ...] [--calls N]
 * [--runs R] [--keep DIR]`: instructions (valgrind callgrind, `Ir`) per warm invocation of http-api bundles, for
 * A/B comparisons on a shared machine, where CPU time moves with the load of other work. Each arm runs
 * bench/warm-driver.mjs under callgrind (`node --predictable`, bench/cold-instructions.ts says why) in the
 * warm rows' loopback world twice: once with the usual warm-up only, once with `--calls` more invocations;
 * the difference over `--calls` is the instructions of one warm invocation (the emulator runs outside
 * callgrind). `#layer` sets `BENCH_WARM_LAYER` for a bundle of bench/warm-layers-entry.ts; `floor` is the
 * design floor (bench/warm-design-floor.ts, built here as the warm rows build it), `required` the required-work
 * floor (bench/warm-required-work.ts, likewise), `project` this checkout's http-api, `bare` the bare `node:http`
 * request. Defaults: this checkout's http-api bundled the production
 * way; 300 calls; 1 run. Needs valgrind; an arm takes minutes on a loaded machine. Not a row of the bench: a
 * tool to tell whether a change to the warm path pays. Read its figures with care: a window of a few hundred
 * invocations may or may not hold a mark-compact collection (one window of the full handler counted 3.2 M
 * instructions per invocation with one, against 1.4 M without), and V8 tiers code up at its own pace, so
 * differences below ~100 k per invocation need several runs (`--runs`) and long windows. The driver builds
 * each invocation's event and context just before it, its 30 s counted from then (when it built them all
 * before the first ran, a window that callgrind stretched past 30 s timed out its last invocations, seen on
 * the route layer). A layer without the client's retries may lose a request to a keep-alive socket the
 * emulator closed (seen on the transport layer). `--keep DIR` keeps each window's callgrind file there
 * (`callgrind.<label>.<run>.short` and `.long`, the label's characters other than letters, digits, `.`, `_`
 * and `-` as `-`; DIR made if missing): `callgrind_annotate` both and subtract to see which functions the
 * counted invocations cost (V8's generated code shows as bare addresses, which move between windows).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle, designFloorBundle, requiredWorkBundle } from './build.ts';
import { callgrindTotal, keepCallgrind, keepDirectory, spawnUnderCallgrind } from './callgrind.ts';
import { median, terminateEvent } from './harness.ts';
import { WARM_UP } from './warm-process.ts';
import { assertEnded, PROJECT_ID, seedLive, setups, startWorld, type World } from './world.ts';

const { values, positionals } = parseArgs({
  options: {
    calls: { type: 'string', default: '300' },
    runs: { type: 'string', default: '1' },
    keep: { type: 'string' },
  },
  allowPositionals: true,
});
const calls = Number(values.calls);
const runs = Number(values.runs);
const keep = keepDirectory(values.keep);
const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'warm-instructions-'));

const floor = positionals.includes('floor') ? (await designFloorBundle(root, work)).outfile : undefined;
const required = positionals.includes('required')
  ? (await requiredWorkBundle(root, work)).outfile
  : undefined;
const project = positionals.includes('project')
  ? (await bundle(root, 'functions/http-api.ts', 'http-api', work)).outfile
  : undefined;
const arms: Array<{ label: string; file: string | undefined; layer: string | undefined }> = positionals.map(
  (given) => {
    if (given === 'bare') return { label: 'bare node:http', file: undefined, layer: undefined };
    if (given === 'floor') return { label: 'design floor', file: floor, layer: undefined };
    if (given === 'required') return { label: 'required work', file: required, layer: undefined };
    if (given === 'project') return { label: 'this checkout', file: project, layer: undefined };
    const [label, rest] = given.split('=', 2) as [string, string];
    const [file, layer] = rest.split('#', 2) as [string, string | undefined];
    return { label, file: resolve(file), layer };
  },
);
if (arms.length === 0) {
  const built = await bundle(root, 'functions/http-api.ts', 'http-api', work);
  arms.push({ label: 'this checkout', file: built.outfile, layer: undefined });
}
const driver = join(root, 'bench', 'warm-driver.mjs');

/** Instructions of one driver process under callgrind ending `count` calls, all of them warm-up but `counted`. */
const instructions = (
  world: World,
  env: NodeJS.ProcessEnv,
  file: string | undefined,
  count: number,
  keepAs: Array<string | number>,
): Promise<number> =>
  new Promise((done, fail) => {
    const out = join(work, 'callgrind.out');
    const sids = Array.from({ length: count }, () => seedLive(world));
    const child = spawnUnderCallgrind(out, [driver], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let answer: { error?: string; series?: Record<string, { failures: number }> } | undefined;
    child.once('message', (received) => {
      answer = received as typeof answer;
    });
    child.once('error', fail);
    child.once('close', (code) => {
      const failures = answer?.series?.arm?.failures ?? 0;
      if (code !== 0 || !answer || answer.error || failures > 0) {
        fail(
          new Error(
            `${file ?? 'bare'} under callgrind (${code}): ${answer?.error ?? ''}${stderr.slice(-2000)}`,
          ),
        );
        return;
      }
      try {
        assertEnded(world, sids, `${file ?? 'bare'} under callgrind`);
        const total = callgrindTotal(out);
        if (keep !== undefined) keepCallgrind(out, keep, ...keepAs);
        done(total);
      } catch (error) {
        // Thrown in this listener, it would end the process before the world stops and the work is removed.
        fail(error);
      } finally {
        rmSync(out, { force: true });
      }
    });
    child.send({
      ...(file ? { bundle: file } : {}),
      template: terminateEvent('00000000-0000-4000-8000-000000000000'),
      projectId: PROJECT_ID,
      authorization: `Basic ${Buffer.from(`${PROJECT_ID}:${world.apiToken}`).toString('base64')}`,
      warmup: count,
      series: [{ label: 'arm', kind: file ? 'handler' : 'http', sids, origin: world.emulator.url }],
    });
  });

const world = await startWorld();
const perCall = new Map<string, number[]>(arms.map(({ label }) => [label, []]));
try {
  const { env } = setups(world, work).projectDirect;
  for (let run = 0; run < runs; run++) {
    for (const { label, file, layer } of run % 2 === 0 ? arms : [...arms].reverse()) {
      const armEnv = {
        ...env,
        ...(layer ? { BENCH_WARM_LAYER: layer } : {}),
        BENCH_LAYER_ORIGIN: world.emulator.url,
        BENCH_LAYER_PROJECT: PROJECT_ID,
        BENCH_LAYER_AUTHORIZATION: `Basic ${Buffer.from(`${PROJECT_ID}:${world.apiToken}`).toString('base64')}`,
      };
      const short = await instructions(world, armEnv, file, WARM_UP, [label, run + 1, 'short']);
      const long = await instructions(world, armEnv, file, WARM_UP + calls, [label, run + 1, 'long']);
      perCall.get(label)?.push((long - short) / calls);
      console.log(
        `${label} run ${run + 1}: ${((long - short) / calls / 1000).toFixed(1)} k instructions/invocation`,
      );
    }
  }
} finally {
  await world.stop();
  rmSync(work, { recursive: true, force: true });
}

const first = median(perCall.get(arms[0]?.label ?? '') ?? []);
for (const [label, figures] of perCall) {
  const own = median(figures);
  console.log(
    `${label.padEnd(24)} ${(own / 1000).toFixed(1)} k instructions/invocation ` +
      `(${figures.map((figure) => (figure / 1000).toFixed(1)).join(', ')}), ${(own / first).toFixed(3)}x ${arms[0]?.label}`,
  );
}
