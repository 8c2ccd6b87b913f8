/**
 * Item 3, warm invocations: the processes of a rotation (bench/warm-process.ts), the rows of each arm alone
 * (bench/warm-alone.ts) and the keep-alive rounds against the SDK (bench/warm-keepalive.ts), over http and https.
 */
import { designFloorBundle, requiredWorkBundle } from './build.ts';
import { percentile } from './harness.ts';
import { type BenchContext, count, type Measurement, REPEATS, scaled, yesNo } from './measurement.ts';
import { ms, type ResultRow, ratioSpread, spread, spreadValues } from './report.ts';
import {
  all,
  steadySentence,
  TARGET_VS_NODE_HTTP,
  type WarmDurations,
  warmCpuRow,
  warmCpuSentence,
} from './warm-alone.ts';
import { designFloorSentence, floorRows, requiredWorkSentence } from './warm-floor.ts';
import {
  KEEPALIVE_PAIRS,
  type KeepAlivePair,
  keepAliveNote,
  keepAliveRows,
  measureKeepAlive,
  pairDetails,
} from './warm-keepalive.ts';
import { STEADY_WARM_UP, WARM_UP, type WarmProcesses, warmProcesses, warmSeries } from './warm-process.ts';
import { PROJECT_ID, startWorld, type World } from './world.ts';

type Step = (repeat: WarmDurations) => Promise<void>;

/** One process per step, as a warm container; the steps rotate from one repeat to the next. */
const rotationSteps = (world: World, processes: WarmProcesses): Step[] => {
  const { set, samples, sdkSamples, seedMany, run } = processes;
  return [
    async (w) => {
      const got = await run(set.projectDirect.env, set.projectDirect.bundle, [
        warmSeries('handler', 'handler', seedMany(samples)),
        warmSeries('fetch', 'fetch', seedMany(samples), world.emulator.url),
      ]);
      w.handler = got('handler');
      w.fetch = got('fetch');
    },
    async (w) => {
      const got = await run(set.projectDirect.env, undefined, [
        warmSeries('http', 'http', seedMany(samples), world.emulator.url),
      ]);
      w.http = got('http');
      w.httpCpu = [got.cpuPerCall('http')];
    },
    // The handler alone, as the bare request runs alone: its CPU per invocation set against the request's.
    async (w) => {
      const got = await run(set.projectDirect.env, set.projectDirect.bundle, [
        warmSeries('handler', 'handler', seedMany(samples)),
      ]);
      w.handlerCpu = [got.cpuPerCall('handler')];
      w.handlerAlone = got('handler');
    },
    async (w) => {
      const got = await run(set.project.env, set.project.bundle, [
        warmSeries('handler', 'handler', seedMany(sdkSamples)),
        warmSeries('fetch', 'fetch', seedMany(sdkSamples), world.passThrough.url),
      ]);
      w.proxiedHandler = got('handler');
      w.proxiedFetch = got('fetch');
    },
    async (w) => {
      const got = await run(set.reference.env, set.reference.bundle, [
        warmSeries('handler', 'handler', seedMany(sdkSamples)),
      ]);
      w.reference = got('handler');
    },
  ];
};

/** Steady state: the same two arms alone in their processes, counted only after V8 has optimised the hot path. */
const steadySteps = (world: World, processes: WarmProcesses): Step[] => {
  const { set, samples, steadyWarmUp, seedMany, run } = processes;
  return [
    async (w) => {
      const got = await run(
        set.projectDirect.env,
        set.projectDirect.bundle,
        [warmSeries('handler', 'handler', seedMany(samples, steadyWarmUp))],
        steadyWarmUp,
      );
      w.handlerSteady = got('handler');
    },
    async (w) => {
      const got = await run(
        set.projectDirect.env,
        undefined,
        [warmSeries('http', 'http', seedMany(samples, steadyWarmUp), world.emulator.url)],
        steadyWarmUp,
      );
      w.httpSteady = got('http');
    },
  ];
};

/** The design floor (bench/warm-design-floor.ts, bundled as `bundle`) alone in its own process, as the handler. */
const designFloorStep =
  (processes: WarmProcesses, bundle: string): Step =>
  async (w) => {
    const { set, samples, seedMany, run } = processes;
    const got = await run(set.projectDirect.env, bundle, [warmSeries('floor', 'handler', seedMany(samples))]);
    w.floor = got('floor');
    w.floorCpu = [got.cpuPerCall('floor')];
  };

/** The required-work floor (bench/warm-required-work.ts, bundled as `bundle`), its credentials in its environment. */
const requiredWorkStep =
  (world: World, processes: WarmProcesses, bundle: string): Step =>
  async (w) => {
    const { set, samples, seedMany, run } = processes;
    const env = {
      ...set.projectDirect.env,
      BENCH_LAYER_ORIGIN: world.emulator.url,
      BENCH_LAYER_PROJECT: PROJECT_ID,
      BENCH_LAYER_AUTHORIZATION: `Basic ${Buffer.from(`${PROJECT_ID}:${world.apiToken}`).toString('base64')}`,
    };
    const got = await run(env, bundle, [warmSeries('required', 'handler', seedMany(samples))]);
    w.required = got('required');
    w.requiredCpu = [got.cpuPerCall('required')];
  };

const emptyDurations = (): WarmDurations => ({
  handler: [],
  fetch: [],
  http: [],
  proxiedHandler: [],
  proxiedFetch: [],
  reference: [],
  handlerCpu: [],
  httpCpu: [],
  handlerSteady: [],
  httpSteady: [],
  handlerAlone: [],
  floor: [],
  floorCpu: [],
  required: [],
  requiredCpu: [],
});

/** {@link REPEATS} repeats of every step, each repeat starting one step further on. */
const rotate = async (steps: readonly Step[]): Promise<WarmDurations[]> => {
  const repeats: WarmDurations[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const w = emptyDurations();
    for (let i = 0; i < steps.length; i++) await (steps[(r + i) % steps.length] as Step)(w);
    repeats.push(w);
  }
  return repeats;
};

/**
 * The rotation's repeats, then the keep-alive rounds; `steady` adds the steady-state steps, the design floor and
 * the required-work floor, bundled as `floor` and `required` (http only).
 */
const measure = async (
  world: World,
  context: BenchContext,
  steady: { floor: string; required: string } | undefined,
): Promise<{ repeats: WarmDurations[]; pairs: KeepAlivePair[] }> => {
  const processes = warmProcesses(world, context);
  const steps = [
    ...rotationSteps(world, processes),
    ...(steady
      ? [
          designFloorStep(processes, steady.floor),
          requiredWorkStep(world, processes, steady.required),
          ...steadySteps(world, processes),
        ]
      : []),
  ];
  const repeats = await rotate(steps);
  const pairs = await measureKeepAlive(world, processes);
  return { repeats, pairs };
};

export const warmRows = (
  repeats: WarmDurations[],
  pairs: readonly KeepAlivePair[],
  tls: boolean,
): ResultRow[] => {
  const over = tls ? ', https' : ', http';
  const row = (
    metric: string,
    project: keyof WarmDurations,
    reference: keyof WarmDurations,
    p: number,
    extra: { id?: string; target?: number; summary?: boolean } = {},
  ): ResultRow => {
    const a = percentile(all(repeats, project), p);
    const b = percentile(all(repeats, reference), p);
    const s = spread(repeats.map((w) => percentile(w[project], p) / percentile(w[reference], p)));
    return {
      item: 3,
      ...(extra.id ? { id: extra.id } : {}),
      metric,
      project: ms(a),
      reference: ms(b),
      ratio: ratioSpread(s),
      target: extra.target === undefined ? '— (context)' : `≤ ${extra.target}x`,
      met: extra.target === undefined ? 'n/a' : yesNo(s.median <= extra.target),
      values: spreadValues(s, a, b, 'ms'),
      ...(extra.summary ? { summary: true } : {}),
    };
  };
  const proxyCost = percentile(all(repeats, 'proxiedFetch'), 50) - percentile(all(repeats, 'fetch'), 50);
  const n = all(repeats, 'handler').length;
  return [
    row(
      `Warm p50${over}: full handler alone in its own process vs a bare \`node:http\` keep-alive request alone ` +
        `in its own (the client's transport, doing nothing else; n=${n} each)`,
      'handlerAlone',
      'http',
      50,
      tls ? {} : { id: 'warm-vs-node-http', target: TARGET_VS_NODE_HTTP },
    ),
    warmCpuRow(repeats, tls),
    ...floorRows(repeats, row, over),
    ...(repeats.some((w) => w.handlerSteady.length > 0)
      ? [
          row(
            `Context, the method before 0.3.0's last run${over}: warm p50, the full handler in a process that ` +
              'also runs a bare `fetch` after each invocation (the process of the `fetch` rows) vs the bare ' +
              '`node:http` request alone in its own',
            'handler',
            'http',
            50,
            { id: 'warm-with-fetch-vs-node-http' },
          ),
          row(
            `Context, what bounds the warm target${over}: warm p50 at steady state (counted after ` +
              `${count(scaled(STEADY_WARM_UP, 100))} warm-up invocations instead of ${scaled(WARM_UP, 10)}), full ` +
              'handler vs the bare `node:http` request, each alone in its own process',
            'handlerSteady',
            'httpSteady',
            50,
            { id: 'warm-steady-vs-node-http' },
          ),
        ]
      : []),
    ...keepAliveRows(pairs, tls),
    row(
      `Warm p50${over}: project vs official SDK as it comes (no keep-alive; both through a proxy)`,
      'proxiedHandler',
      'reference',
      50,
      tls ? {} : { id: 'warm-vs-sdk' },
    ),
    row(`Warm p99${over}: project vs official SDK as it comes`, 'proxiedHandler', 'reference', 99),
    row(
      `Context: warm p50${over}, full handler vs bare \`fetch\` in the same process (undici costs more per ` +
        'exchange than the `node:http` the client uses)',
      'handler',
      'fetch',
      50,
    ),
    row(`Warm p99${over}: full handler vs bare fetch in the same process`, 'handler', 'fetch', 99),
    {
      item: 3,
      metric: `Proxy hop cost${over}: bare fetch through the proxy minus direct (p50)`,
      project: ms(proxyCost),
      reference: '—',
      ratio: '—',
      target: '— (context)',
      met: 'n/a',
      values: { project: proxyCost, unit: 'ms' },
    },
  ];
};

const summary = (repeats: WarmDurations[]) =>
  Object.fromEntries(
    (Object.keys(repeats[0] ?? {}) as Array<keyof WarmDurations>).map((name) => {
      const values = all(repeats, name);
      return [
        name,
        {
          n: values.length,
          p50: percentile(values, 50),
          p90: percentile(values, 90),
          p99: percentile(values, 99),
        },
      ];
    }),
  );

/** Item 3 over plain http: the full handler against a bare `fetch`, and against the official SDK. */
export const warm: Measurement = {
  name: 'warm',
  async run(context) {
    await context.bundles();
    const floor = (await designFloorBundle(context.root, context.out)).outfile;
    const required = (await requiredWorkBundle(context.root, context.out)).outfile;
    const world = await startWorld();
    let durations: WarmDurations[];
    let pairs: KeepAlivePair[];
    try {
      context.log('warm invocations (http)');
      ({ repeats: durations, pairs } = await measure(world, context, { floor, required }));
    } finally {
      await world.stop();
    }
    const rows = warmRows(durations, pairs, false);
    const notes = [
      'Warm: one process per set-up imports the bundle once, then invokes it on a fresh in-progress call ' +
        `each time (${WARM_UP} warm-up invocations not counted); the project's direct process interleaves a ` +
        'bare `fetch` of the same request. The floor, a bare `node:http` request on a keep-alive agent POSTing ' +
        'the same form body with Basic auth to the same emulator path and reading the JSON answer, runs alone ' +
        "in its own process (interleaved, each arm absorbs the other's deferred work and GC); so does the full " +
        'handler once more, for the target row and its CPU per invocation (`process.cpuUsage()` around each ' +
        "counted invocation) against the bare request's. The official SDK " +
        'runs as it comes (`Connection: close`) in its own process, in the rotation, and with `forever: true` ' +
        `(keep-alive) in ${KEEPALIVE_PAIRS} adjacent pairs with the project alone (see the keep-alive note). ` +
        `${REPEATS} repeats, the processes in rotating order; each ratio is the median of the per-repeat ` +
        "ratios, with their min–max. The function's log lines go to a discarded stdout, as they would to " +
        'CloudWatch. Emulator latency 0.',
    ];
    const p50 = (key: keyof WarmDurations) => ms(percentile(all(durations, key), 50));
    const verdict = rows.some((row) => row.met === 'no') ? 'Missed, warm overhead' : 'Warm overhead';
    notes.push(
      `${verdict}: the handler's p50 is ${p50('handlerAlone')} alone in its process (${p50('handler')} beside ` +
        `a bare fetch of the same request, which takes ${p50('fetch')}), against ${p50('http')} for a bare ` +
        `\`node:http\` request on a keep-alive ` +
        "agent, the transport the handler's SignalWire client uses (it spends less CPU per exchange than " +
        "undici's `fetch`). Above that, per invocation the handler runs the middy chain (normalisers, body " +
        'parsers, validation, router), Powertools context injection, the audit line and the EMF metrics flush; ' +
        'against a zero-latency emulator these fixed costs are set against a single loopback round trip, and ' +
        'against a real SignalWire (tens of ms away) they are a few per cent. A terminate that does not name its ' +
        'API is sent write-first (functions/commons/calls/native-calls.ts): a Compatibility call takes the one ' +
        `round trip the bare request makes. ${warmCpuSentence(durations)}${steadySentence(durations)}` +
        designFloorSentence(durations) +
        requiredWorkSentence(durations),
      keepAliveNote(pairs, rows, false),
    );
    return { rows, notes, details: { percentiles: summary(durations), keepAlivePairs: pairDetails(pairs) } };
  },
};

/** Item 3 over https: the same comparisons with TLS on every hop, so the SDK's per-request handshake shows. */
export const warmTls: Measurement = {
  name: 'warm-tls',
  async run(context) {
    await context.bundles();
    const certificates = await context.certificates();
    if (!certificates) {
      return {
        rows: [
          {
            item: 3,
            metric: 'Warm, https',
            project: 'not measured: the `openssl` CLI is not installed',
            reference: '—',
            ratio: '—',
            target: '— (context)',
            met: 'not measured',
            values: {},
          },
        ],
        notes: [],
        details: 'not measured: openssl missing',
      };
    }
    const world = await startWorld(certificates);
    let durations: WarmDurations[];
    let pairs: KeepAlivePair[];
    try {
      context.log('warm invocations (https)');
      ({ repeats: durations, pairs } = await measure(world, context, undefined));
    } finally {
      await world.stop();
    }
    const notes = [
      'TLS rows: the same set-ups with every loopback server on https (the emulator, the Secrets Manager ' +
        `stand-in and both proxies), their certificate signed by a CA made for the run (${certificates.algorithm}). ` +
        'The child processes trust that CA through `NODE_EXTRA_CA_CERTS` and nothing else; verification stays ' +
        'on. The project and the bare fetch keep their connection alive; the official SDK sends ' +
        '`Connection: close` unless `forever` is set, so it pays a TCP and TLS handshake on every request, ' +
        'as it would against SignalWire.',
    ];
    const rows = warmRows(durations, pairs, true);
    notes.push(keepAliveNote(pairs, rows, true));
    return { rows, notes, details: { percentiles: summary(durations), keepAlivePairs: pairDetails(pairs) } };
  },
};
