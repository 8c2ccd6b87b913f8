import { join } from 'node:path';
import { ablationBundles } from './build.ts';
import { ABLATION_NAMES, ablationNote, ablationRows, ablationSetups } from './cold-ablation.ts';
import { type ColdSeries, coldRow, emptySeries, type RowSpec, TARGET_VS_SDK_DEFAULT } from './cold-series.ts';
import { coldRun, median, terminateEvent } from './harness.ts';
import { type BenchContext, FUNCTION_MEMORY_MB, type Measurement, REPEATS, scaled } from './measurement.ts';
import { kib, ms, type ResultRow } from './report.ts';
import {
  assertEnded,
  type Setup,
  seedLive,
  setups,
  startWorld,
  withNodeSourceMaps,
  withoutSourceMaps,
} from './world.ts';

/** Rounds per repeat; every round runs each series once, in rotating order. */
const ROUNDS_PER_REPEAT = 5;
/** Issue 22's target against the floor (the one against the reference is in bench/cold-series.ts). */
const TARGET_VS_FLOOR = 2.5;

const HTTP_NAMES = [
  'bare',
  'floor',
  'sdkFloor',
  'project',
  'projectNodeMaps',
  'reference',
  'referenceNoMaps',
  'referenceRuntimeSdkNoMaps',
  ...ABLATION_NAMES,
] as const;

const HTTPS_NAMES = ['floor', 'sdkFloor', 'project', 'referenceNoMaps', ...ABLATION_NAMES] as const;
type Name = (typeof HTTP_NAMES)[number];

/** Runs `names` for `rounds` counted rounds (after one that warms the page cache), in rotating order. */
const runSeries = async <N extends Name>(
  context: BenchContext,
  names: readonly N[],
  rounds: number,
  https: boolean,
): Promise<Record<N, ColdSeries>> => {
  const certificates = https ? await context.certificates() : undefined;
  const world = await startWorld(certificates);
  const series = Object.fromEntries(names.map((name) => [name, emptySeries()])) as Record<N, ColdSeries>;
  try {
    const base = setups(world, context.out);
    const set: Record<Exclude<Name, 'bare'>, Setup> = {
      floor: withoutSourceMaps(base.project),
      sdkFloor: { ...base.project, bundle: join(context.out, 'sdk-floor', 'index.mjs') },
      project: base.project,
      projectNodeMaps: withNodeSourceMaps(base.project),
      reference: withNodeSourceMaps(base.reference),
      referenceNoMaps: withoutSourceMaps(base.reference),
      referenceRuntimeSdkNoMaps: withoutSourceMaps({
        ...base.reference,
        bundle: join(context.out, 'reference-runtime-sdk', 'index.mjs'),
      }),
      ...ablationSetups(base.project, context.out),
    };
    const driver = join(context.root, 'bench', 'cold-start-driver.mjs');
    const floor = join(context.root, 'bench', 'cold-floor.mjs');
    for (let round = 0; round <= rounds; round++) {
      for (let offset = 0; offset < names.length; offset++) {
        const name = names[(round + offset) % names.length] as N;
        const target = series[name];
        if (name === 'bare') {
          const run = await coldRun(['-e', '0'], set.project.env, false);
          if (round > 0) target.wallMs.push(run.spawnToExitMs);
          continue;
        }
        const { bundle: file, env } = set[name as Exclude<Name, 'bare'>];
        const sid = seedLive(world);
        const args = name === 'floor' ? [floor] : [driver, file];
        const run = await coldRun(args, { ...env, BENCH_EVENT: JSON.stringify(terminateEvent(sid)) }, true);
        if (run.report?.statusCode !== 200) {
          throw new Error(`cold start of ${name} answered ${run.report?.statusCode}`);
        }
        assertEnded(world, [sid], `cold start of ${name}`);
        if (round === 0) continue;
        target.wallMs.push(run.spawnToAnswerMs);
        target.readyMs.push(run.report.readyMs ?? Number.NaN);
        target.importMs.push(run.report.importMs ?? Number.NaN);
        target.firstInvokeMs.push(run.report.firstInvokeMs ?? Number.NaN);
        target.cpuMs.push(run.report.cpuMs ?? Number.NaN);
      }
    }
  } finally {
    await world.stop();
  }
  return series;
};

type HttpSeries = Record<(typeof HTTP_NAMES)[number], ColdSeries>;
type HttpsSeries = Record<(typeof HTTPS_NAMES)[number], ColdSeries>;

/** The cold-start rows: the targets first (issue 22's ids), then context, then the baseline. */
const coldRows = (
  h: HttpSeries,
  s: HttpsSeries | undefined,
  perRepeat: number,
  rounds: number,
): ResultRow[] => {
  const row = (spec: RowSpec) => coldRow(spec, perRepeat);
  const vsDefault = { bound: TARGET_VS_SDK_DEFAULT, display: `≤ ${TARGET_VS_SDK_DEFAULT}` };
  const rows: ResultRow[] = [
    row({
      id: 'cold-vs-sdk-default',
      metric:
        `Cold start, spawn → first answer (median of ${rounds}): project as deployed (the bundle maps its own stack traces) vs the ` +
        'reference deployed the default way (no source maps, AWS SDK bundled), http',
      project: h.project,
      reference: h.referenceNoMaps,
      target: vsDefault,
    }),
    s
      ? row({
          id: 'cold-vs-sdk-default-https',
          metric: 'Cold start, the same over https (every loopback server on TLS)',
          project: s.project,
          reference: s.referenceNoMaps,
          target: vsDefault,
        })
      : {
          item: 2,
          id: 'cold-vs-sdk-default-https',
          metric: 'Cold start over https',
          project: 'not measured: the `openssl` CLI is not installed',
          reference: '—',
          ratio: '—',
          target: vsDefault.display,
          met: 'not measured',
          values: {},
        },
    row({
      id: 'cold-vs-floor',
      metric:
        'Cold start vs the floor script (`node` + one small ES module + the same two loopback exchanges, ' +
        'nothing else), http',
      project: h.project,
      reference: h.floor,
      target: { bound: TARGET_VS_FLOOR, display: `≤ ${TARGET_VS_FLOOR}x` },
    }),
    row({
      id: 'cold-sdk-floor-vs-sdk-default',
      metric:
        'Context, what bounds the first target: the SDK floor (bench/cold-floor-sdk.ts: the floor script with the ' +
        'secret read through `@aws-sdk/client-secrets-manager`, which the design keeps, and nothing else) vs the ' +
        'reference deployed the default way, http',
      project: h.sdkFloor,
      reference: h.referenceNoMaps,
    }),
    ...(s
      ? [
          row({
            metric: 'Context: the SDK floor vs the reference deployed the default way, https',
            project: s.sdkFloor,
            reference: s.referenceNoMaps,
          }),
        ]
      : []),
    row({
      id: 'cold-cpu-vs-sdk-default',
      metric:
        'Context, what bounds the first target: CPU of the child from its start to the first answer (user + ' +
        "system, node's bootstrap included; other work on a shared machine stretches it less than wall time), " +
        'project as deployed vs the reference deployed the default way, http',
      project: h.project,
      reference: h.referenceNoMaps,
      figure: 'cpuMs',
    }),
    ...ablationRows(h, s, row),
    row({
      id: 'cold-vs-sdk-runtime',
      metric:
        'Cold start vs the reference taking the AWS SDK from the Lambda runtime (`@aws-sdk/*` external, no ' +
        'source maps), http',
      project: h.project,
      reference: h.referenceRuntimeSdkNoMaps,
      summary: true,
    }),
    row({
      metric:
        "Context: the project with Node's `--enable-source-maps` (what the construct set before the bundles " +
        'mapped their own stack traces; Node reads and parses the whole map at import) vs the reference, http',
      project: h.projectNodeMaps,
      reference: h.referenceNoMaps,
    }),
    row({
      metric:
        'Context, flattering: cold start as deployed vs the reference with `--enable-source-maps` too (a ' +
        'setting the reference does not need and a user would not set; it parses its whole source map)',
      project: h.project,
      reference: h.reference,
    }),
    ...(s
      ? [
          row({
            metric: 'Cold start over https vs the floor script over https',
            project: s.project,
            reference: s.floor,
          }),
        ]
      : []),
    {
      item: 2,
      metric: 'Bare `node -e 0` (spawn → exit, median)',
      project: ms(median(h.bare.wallMs)),
      reference: ms(median(h.bare.wallMs)),
      ratio: '—',
      target: '— (baseline)',
      met: 'n/a',
      values: { project: median(h.bare.wallMs), reference: median(h.bare.wallMs), unit: 'ms' },
    },
  ];
  return rows;
};

/** Cold start: spawn to the first answer of a fresh `node` per sample, the project against its references. */
export const coldStart: Measurement = {
  name: 'cold-start',
  async run(context) {
    const { functions, reference, sdkFloor } = await context.bundles();
    context.log('cold start: the bench-only ablation builds of http-api');
    const ablation = await ablationBundles(context.root, context.out);
    const perRepeat = scaled(ROUNDS_PER_REPEAT);
    const rounds = perRepeat * REPEATS;
    context.log(`cold start: ${rounds} rounds (http)`);
    const h = await runSeries(context, HTTP_NAMES, rounds, false);
    const tlsAvailable = (await context.certificates()) !== undefined;
    if (tlsAvailable) context.log(`cold start: ${rounds} rounds (https)`);
    const s = tlsAvailable ? await runSeries(context, HTTPS_NAMES, rounds, true) : undefined;

    const rows = coldRows(h, s, perRepeat, rounds);
    const bare = median(h.bare.wallMs);
    const wall = (name: Name) => median(h[name].wallMs);
    const importOf = (name: Name) => ms(median(h[name].importMs));
    const above = (phase: 'importMs' | 'firstInvokeMs') =>
      ms(median(h.project[phase]) - median(h.sdkFloor[phase]));
    const http = functions.find((fn) => fn.name === 'http-api');
    const notes = [
      'Cold start: a fresh `node` (the Node 24 running the bench) per sample runs bench/cold-start-driver.mjs, ' +
        'which imports the bundle and invokes `handler` once with a real API Gateway v2 event for ' +
        '`POST /calls/{sid}/terminate` (built by local/api-gateway.ts): the secret comes from the local ' +
        'Secrets Manager over the real AWS SDK (credentials from the environment), the update goes to the ' +
        'emulator, and a fresh in-progress call is seeded per sample. The environment is Lambda-like for a ' +
        `${FUNCTION_MEMORY_MB} MB function (heap limits as Lambda's bootstrap derives them, Powertools at INFO, ` +
        'dummy credentials); the project runs as deployed: without `--enable-source-maps`, its bundle maps its own ' +
        'stack traces, reading the source map at the first one (none is written on this path). ' +
        'The reference runs the way `NodejsFunction` deploys it by default: no source maps. Wall time is spawn ' +
        `to the answer line, measured by the parent; one unmeasured round, then ${REPEATS} repeats of ` +
        `${perRepeat} rounds, every series once per round in rotating order. The ratio is the median of the ` +
        'per-repeat ratios of medians, with their min–max. The floor script (bench/cold-floor.mjs) makes the ' +
        'same two exchanges with bare `node:http`. The reference goes through a loopback proxy that adds the ' +
        '`/api/laml` prefix its SDK leaves out; the project and the floor go through the same proxy without the ' +
        "rewrite. Not included: what Lambda adds before `node` starts (sandbox, code download), the same for both and growing with the package size; the runtime's AWS SDK is read from local disk here, from the runtime image on Lambda.",
      `Where the cold start goes: bare node ${ms(bare)}; floor ${ms(wall('floor'))}; SDK floor ` +
        `${ms(wall('sdkFloor'))} (import ${importOf('sdkFloor')}); project ${ms(wall('project'))} ` +
        `(import ${importOf('project')}; ${importOf('projectNodeMaps')} with Node's \`--enable-source-maps\`, the http-api map being ` +
        `${http ? kib(http.mapBytes) : '—'}); reference ${ms(wall('referenceNoMaps'))} (import ` +
        `${importOf('referenceNoMaps')}; ${importOf('referenceRuntimeSdkNoMaps')} with the runtime's AWS SDK), ` +
        `${ms(wall('reference'))} with source maps (map ${kib(reference.mapBytes)}).`,
      "Left in every bundle's import: `@smithy/core`'s body-length check imports `fs.ReadStream` by name (for an " +
        "`instanceof`), and reading that lazy export of `node:fs` loads Node's file-stream modules (9 internal " +
        'modules, about 1 ms of CPU measured here) that no function uses; the check sits inside `@smithy/core`, ' +
        'where no alias reaches it without replacing the whole serde module.',
    ];
    if (http) notes.push(ablationNote(rows, h, ablation, http.bytes));
    const missed = rows.filter((r) => r.met === 'no');
    if (missed.length > 0) {
      const sdkFloorRatio = wall('sdkFloor') / wall('referenceNoMaps');
      notes.push(
        `Missed, cold start (${missed.map((r) => r.id).join(', ')}): node itself costs ${ms(bare)} of every ` +
          `sample, which bounds any ratio of totals; above bare node the project takes ${ms(wall('project') - bare)} ` +
          `against ${ms(wall('referenceNoMaps') - bare)} for the reference and ${ms(wall('floor') - bare)} for the ` +
          `floor. The project's import is ${importOf('project')}, most of it the AWS SDK client and module ` +
          'compilation (bench/profile-cold-start.ts). Against what the design keeps, ' +
          '`@aws-sdk/client-secrets-manager`: the SDK floor, the same two exchanges with the secret read through ' +
          `that client (bundled with the same AWS SDK stand-ins) and nothing else, takes ${ms(wall('sdkFloor'))}, ` +
          `${sdkFloorRatio.toFixed(3)} of the reference (${
            sdkFloorRatio > TARGET_VS_SDK_DEFAULT
              ? 'over the target before any project code runs'
              : "within the target: the rest of the distance is the project's own"
          }); the project is ` +
          `${ms(wall('project') - wall('sdkFloor'))} above it. Timed in the child (medians, so the parts need not ` +
          `add up), the project's import takes ${above('importMs')} longer than the SDK floor's: V8's compilation ` +
          `of a bundle grows with its size (the http-api bundle is ${http ? kib(http.bytes) : '—'}, the SDK ` +
          `floor's ${kib(sdkFloor.bytes)}; the rest is the project's own code, Powertools and middy), each function ` +
          'declared at its top level costing more than the same code inside a function never called, and ' +
          `Powertools' logger and metrics are built (bench/cold-instructions.ts counts compilation and import ` +
          `apart, in instructions); its first request takes ${above('firstInvokeMs')} longer: ` +
          'the middleware chain, the validator, the audit line and the metrics flush, which the floor does without. ' +
          `In CPU to the first answer (the \`cold-cpu-vs-sdk-default\` row), which waits do not enter, the project ` +
          `takes ${ms(median(h.project.cpuMs))} against ${ms(median(h.referenceNoMaps.cpuMs))} for the reference ` +
          `(${rows.find((r) => r.id === 'cold-cpu-vs-sdk-default')?.ratio ?? '—'}) and ${ms(median(h.sdkFloor.cpuMs))} ` +
          'for the SDK floor; the ablation note says how much of the difference Powertools and middy take.',
      );
    }
    return {
      rows,
      notes,
      details: {
        rounds,
        perRepeat,
        http: h,
        https: s,
        ablationBytes: Object.fromEntries(
          Object.entries(ablation).map(([key, report]) => [key, report.bytes]),
        ),
      },
    };
  },
};
