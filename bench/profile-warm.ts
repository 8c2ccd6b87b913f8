/**
 * `npx tsx bench/profile-warm.ts [--calls N] [--repeats R] [--bundle label=path ...]`: the CPU per warm
 * invocation of http-api bundles, A/B, each alone in its own process as the `warm-cpu-vs-node-http` row runs it
 * (bench/warm-driver.mjs over the bench's loopback world, the emulator direct), with a bare `node:http` request
 * in the same rounds. Arms alternate within every repeat, so machine drift falls on all alike. Without `--bundle`
 * it bundles this checkout's http-api the production way. With BENCH_CPU_PROF_DIR set, every driver writes a V8
 * CPU profile there (bench/harness.ts). Not a row of `npm run bench`: a tool for
 * changes to the warm path.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle } from './build.ts';
import { spread } from './report.ts';
import { warmProcesses, warmSeries } from './warm-process.ts';
import { startWorld } from './world.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '5000' },
    repeats: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '100' },
    bundle: { type: 'string', multiple: true, default: [] },
  },
});
const calls = Number(values.calls);
const repeats = Number(values.repeats);
const warmup = Number(values.warmup);
const root = resolve(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'profile-warm-'));

const arms: Array<{ label: string; file: string | undefined }> = values.bundle.map((given) => {
  const [label, file] = given.includes('=') ? given.split('=', 2) : [given, given];
  return { label: label as string, file: resolve(file as string) };
});
if (arms.length === 0) {
  const built = await bundle(root, 'functions/http-api.ts', 'http-api', out);
  arms.push({ label: 'this checkout', file: built.outfile });
}
arms.push({ label: 'bare node:http', file: undefined });

const world = await startWorld();
try {
  const warm = warmProcesses(world, { root, out, log: () => {}, bundles: never, certificates: never });
  const cpu = new Map<string, number[]>(arms.map(({ label }) => [label, []]));
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const { label, file } of repeat % 2 === 0 ? arms : [...arms].reverse()) {
      const sids = warm.seedMany(calls, warmup);
      const kind = file ? 'handler' : 'http';
      const got = await warm.run(
        warm.set.projectDirect.env,
        file,
        [warmSeries(kind, kind, sids, world.emulator.url)],
        warmup,
      );
      cpu.get(label)?.push(got.cpuPerCall(kind));
    }
  }
  cpuReport(cpu);
} finally {
  await world.stop();
}

/**
 * Each arm's median, and the median over repeats of its ratio to the first arm in the same repeat: on a loaded
 * machine the CPU per invocation drifts between repeats far more than between the arms of one repeat.
 */
function cpuReport(cpu: Map<string, number[]>): void {
  const floor = spread(cpu.get('bare node:http') ?? []).median;
  const first = [...cpu.values()][0] ?? [];
  for (const [label, figures] of cpu) {
    const { median, min, max } = spread(figures);
    const paired = spread(figures.map((figure, repeat) => figure / (first[repeat] as number))).median;
    console.log(
      `${label.padEnd(24)} CPU/invocation median ${(median * 1000).toFixed(1)} µs ` +
        `(min ${(min * 1000).toFixed(1)}, max ${(max * 1000).toFixed(1)}), ${(median / floor).toFixed(2)}x bare node:http, ` +
        `paired ${paired.toFixed(3)}x ${arms[0]?.label} [${figures.map((figure) => (figure * 1000).toFixed(0)).join(' ')}]`,
    );
  }
}

function never(): never {
  throw new Error('not used by this tool');
}
