import { join } from 'node:path';
import { coldRun, lambdaHeapFlags, median, terminateEvent } from './harness.ts';
import { FUNCTION_MEMORY_MB, type Measurement, yesNo } from './measurement.ts';
import { kib, ms, type ResultRow, ratio } from './report.ts';
import { assertEnded, seedLive, setups, startWorld, withoutSourceMaps } from './world.ts';

const COLD_SAMPLES = 15;
/** Item 2's targets: cold start as deployed, and without `--enable-source-maps` on both sides. */
const TARGET_DEPLOYED = 0.28;
const TARGET_NO_MAPS = 0.45;

export interface ColdSeries {
  /** Spawn to the first answer, measured by the parent. */
  wallMs: number[];
  /** `performance.now()` in the child when the answer was ready (ms since process start). */
  readyMs: number[];
  importMs: number[];
  firstInvokeMs: number[];
}

const NAMES = [
  'bare',
  'project',
  'projectDirect',
  'reference',
  'projectNoMaps',
  'referenceNoMaps',
  'referenceAliasedNoMaps',
] as const;
type Name = (typeof NAMES)[number];

/** The cold-start rows: each series' median against its reference, with its target where it has one. */
const coldRows = (series: Record<Name, ColdSeries>): ResultRow[] => {
  const bare = median(series.bare.wallMs);
  const parts = (s: ColdSeries) =>
    `import ${ms(median(s.importMs))} + first request ${ms(median(s.firstInvokeMs))}`;
  const row = (
    metric: string,
    a: number,
    b: number,
    target: number | undefined,
    display?: { project: string; reference: string },
  ): ResultRow => ({
    item: 2,
    metric,
    project: display?.project ?? ms(a),
    reference: display?.reference ?? ms(b),
    ratio: ratio(a / b),
    target: target === undefined ? '— (context)' : `≤ ${target}`,
    met: target === undefined ? 'n/a' : yesNo(a / b <= target),
    values: { project: a, reference: b, ratio: a / b, unit: 'ms' },
  });
  const wall = (name: Name) => median(series[name].wallMs);
  const rows: ResultRow[] = [
    row(
      `Cold start: spawn → first answer, median of ${COLD_SAMPLES} (as deployed: --enable-source-maps)`,
      wall('project'),
      wall('reference'),
      TARGET_DEPLOYED,
    ),
    row(
      'Cold start without --enable-source-maps, both sides',
      wall('projectNoMaps'),
      wall('referenceNoMaps'),
      TARGET_NO_MAPS,
    ),
    row(
      "Cold start without --enable-source-maps, against the reference bundled with the project's aliases " +
        '(environment-only credentials, built-ins as `require` loads them)',
      wall('projectNoMaps'),
      wall('referenceAliasedNoMaps'),
      undefined,
    ),
    row(
      'Cold start minus bare `node -e 0` (as deployed)',
      wall('project') - bare,
      wall('reference') - bare,
      undefined,
    ),
    row(
      'Cold start inside the process: ready at (median, as deployed)',
      median(series.project.readyMs),
      median(series.reference.readyMs),
      undefined,
      { project: parts(series.project), reference: parts(series.reference) },
    ),
    row(
      'Cold start, project without the proxy hop (as deployed)',
      wall('projectDirect'),
      wall('reference'),
      undefined,
    ),
    {
      item: 2,
      metric: 'Bare `node -e 0` (spawn → exit, median)',
      project: ms(bare),
      reference: ms(bare),
      ratio: '—',
      target: '— (baseline)',
      met: 'n/a',
      values: { project: bare, reference: bare, unit: 'ms' },
    },
  ];
  return rows;
};

/** Item 2: spawn to the first answer of a fresh `node` per sample, the project against the reference. */
export const coldStart: Measurement = {
  name: 'cold-start',
  async run(context) {
    const { functions, reference } = await context.bundles();
    const world = await startWorld();
    const series = Object.fromEntries(
      NAMES.map((name) => [name, { wallMs: [], readyMs: [], importMs: [], firstInvokeMs: [] }]),
    ) as unknown as Record<Name, ColdSeries>;
    try {
      const base = setups(world, context.out);
      const set = {
        ...base,
        projectNoMaps: withoutSourceMaps(base.project),
        referenceNoMaps: withoutSourceMaps(base.reference),
        // The reference bundled with the project's aliases too (environment-only credentials, built-ins as
        // `require` loads them): how much of the difference those bundling choices make.
        referenceAliasedNoMaps: withoutSourceMaps({
          ...base.reference,
          bundle: join(context.out, 'reference-env-credentials', 'index.mjs'),
        }),
      };
      const driver = join(context.root, 'bench', 'cold-start-driver.mjs');
      context.log(`cold start: ${COLD_SAMPLES} rounds`);
      // Round 0 warms the page cache and is not counted; the order rotates so none always runs first.
      for (let round = 0; round <= COLD_SAMPLES; round++) {
        for (let offset = 0; offset < NAMES.length; offset++) {
          const name = NAMES[(round + offset) % NAMES.length] as Name;
          const target = series[name];
          if (name === 'bare') {
            const run = await coldRun(['-e', '0'], set.project.env, false);
            if (round > 0) target.wallMs.push(run.spawnToExitMs);
            continue;
          }
          const { bundle: file, env } = set[name];
          const sid = seedLive(world);
          const run = await coldRun(
            [driver, file],
            { ...env, BENCH_EVENT: JSON.stringify(terminateEvent(sid)) },
            true,
          );
          if (run.report?.statusCode !== 200) {
            throw new Error(`cold start of ${name} answered ${run.report?.statusCode}`);
          }
          assertEnded(world, [sid], `cold start of ${name}`);
          if (round === 0) continue;
          target.wallMs.push(run.spawnToAnswerMs);
          target.readyMs.push(run.report.readyMs ?? Number.NaN);
          target.importMs.push(run.report.importMs ?? Number.NaN);
          target.firstInvokeMs.push(run.report.firstInvokeMs ?? Number.NaN);
        }
      }
    } finally {
      await world.stop();
    }

    const rows = coldRows(series);
    const bare = median(series.bare.wallMs);
    const wall = (name: Name) => median(series[name].wallMs);
    const http = functions.find((fn) => fn.name === 'http-api');
    const notes = [
      'Cold start: a fresh `node` (the Node 24 running the bench) per sample runs bench/cold-start-driver.mjs, ' +
        'which imports the bundle and invokes `handler` once with a real API Gateway v2 event for ' +
        '`POST /calls/{sid}/terminate` (built by local/api-gateway.ts): the secret comes from the local ' +
        'Secrets Manager over the real AWS SDK (credentials from the environment), the update goes to the ' +
        'emulator, and a fresh in-progress call is seeded per sample. The environment is Lambda-like for a ' +
        `${FUNCTION_MEMORY_MB} MB function: NODE_OPTIONS=\`--enable-source-maps ${lambdaHeapFlags(FUNCTION_MEMORY_MB)}\` ` +
        "(source maps as the CDK construct sets them, heap limits as Lambda's bootstrap derives them), " +
        'Powertools at INFO, dummy credentials. Wall time is spawn to the answer line, measured by the parent; ' +
        `one unmeasured round, then ${COLD_SAMPLES} rounds in rotating order. The same pair also runs without ` +
        '`--enable-source-maps`. The reference goes through a loopback proxy that adds the `/api/laml` prefix ' +
        'its SDK leaves out; the project goes through the same proxy without the rewrite. Not included: what ' +
        'Lambda adds before `node` starts (sandbox, code download), the same for both and growing with the ' +
        'package size.',
    ];
    const missed = rows.filter((r) => r.met === 'no');
    if (missed.length > 0) {
      const importOf = (name: Name) => ms(median(series[name].importMs));
      notes.push(
        `Missed, cold start, ${missed.map((r) => r.metric.replace(/^Cold start:? ?/, '')).join('; ')}: node itself ` +
          `costs ${ms(bare)} of every sample on both sides, which bounds the ratio of totals (the project's ` +
          `time above bare node is ${ms(wall('project') - bare)} against ${ms(wall('reference') - bare)}). ` +
          `The import is ${importOf('project')} as deployed and ${importOf('projectNoMaps')} without source ` +
          `maps, against ${importOf('reference')} and ${importOf('referenceNoMaps')} for the reference; with ` +
          '`--enable-source-maps` node parses the whole source map at load ' +
          `(${http ? kib(http.mapBytes) : '—'} against ${kib(reference.mapBytes)}).`,
      );
    }
    return { rows, notes, details: series };
  },
};
