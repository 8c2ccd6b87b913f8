import { join } from 'node:path';
import { ipcRun, percentile, terminateEvent } from './harness.ts';
import { type BenchContext, type Measurement, yesNo } from './measurement.ts';
import { ms, type ResultRow, ratio } from './report.ts';
import { assertEnded, PROJECT_ID, seedLive, setups, startWorld, type World } from './world.ts';

const WARM_SAMPLES = 2000;
const WARM_SDK_SAMPLES = 1000;
const WARM_UP = 100;
/** Item 3's target: the full handler's p50 at most this multiple of a bare `fetch` (plain http). */
const TARGET_P50 = 1.3;

interface WarmAnswer {
  series: Record<string, { durationsMs: number[]; failures: number }>;
}

interface WarmSeries {
  label: string;
  kind: 'handler' | 'fetch' | 'http';
  sids: string[];
  origin?: string;
}

const warmSeries = (
  label: string,
  kind: WarmSeries['kind'],
  sids: string[],
  origin?: string,
): WarmSeries => ({
  label,
  kind,
  sids,
  ...(origin ? { origin } : {}),
});

/** Durations (ms) of each compared series. */
interface WarmDurations {
  handler: number[];
  fetch: number[];
  /** A bare `node:http(s)` keep-alive request: the transport the handler's SignalWire client uses. */
  http: number[];
  proxiedHandler: number[];
  proxiedFetch: number[];
  reference: number[];
}

const measure = async (world: World, context: BenchContext): Promise<WarmDurations> => {
  const set = setups(world, context.out);
  const driver = join(context.root, 'bench', 'warm-driver.mjs');
  const template = terminateEvent('00000000-0000-4000-8000-000000000000');
  const authorization = `Basic ${Buffer.from(`${PROJECT_ID}:${world.apiToken}`).toString('base64')}`;
  const seedMany = (count: number) => Array.from({ length: count }, () => seedLive(world));
  const run = async (env: NodeJS.ProcessEnv, bundleFile: string, series: WarmSeries[]) => {
    const answer = await ipcRun<WarmAnswer>(driver, env, {
      bundle: bundleFile,
      template,
      projectId: PROJECT_ID,
      authorization,
      warmup: WARM_UP,
      series,
    });
    for (const { label, sids } of series) {
      const failures = answer.series[label]?.failures ?? 0;
      if (failures > 0) throw new Error(`warm ${label}: ${failures} requests failed`);
      assertEnded(world, sids, `warm ${label}`);
    }
    return answer.series;
  };

  const direct = await run(set.projectDirect.env, set.projectDirect.bundle, [
    warmSeries('handler', 'handler', seedMany(WARM_SAMPLES + WARM_UP)),
    warmSeries('fetch', 'fetch', seedMany(WARM_SAMPLES + WARM_UP), world.emulator.url),
    warmSeries('http', 'http', seedMany(WARM_SAMPLES + WARM_UP), world.emulator.url),
  ]);
  const proxied = await run(set.project.env, set.project.bundle, [
    warmSeries('handler', 'handler', seedMany(WARM_SDK_SAMPLES + WARM_UP)),
    warmSeries('fetch', 'fetch', seedMany(WARM_SDK_SAMPLES + WARM_UP), world.passThrough.url),
  ]);
  const reference = await run(set.reference.env, set.reference.bundle, [
    warmSeries('handler', 'handler', seedMany(WARM_SDK_SAMPLES + WARM_UP)),
  ]);
  const durations = (answer: WarmAnswer['series'], label: string) => answer[label]?.durationsMs ?? [];
  return {
    handler: durations(direct, 'handler'),
    fetch: durations(direct, 'fetch'),
    http: durations(direct, 'http'),
    proxiedHandler: durations(proxied, 'handler'),
    proxiedFetch: durations(proxied, 'fetch'),
    reference: durations(reference, 'handler'),
  };
};

const warmRows = (w: WarmDurations, tls: boolean): ResultRow[] => {
  const over = tls ? ', https' : '';
  const row = (
    metric: string,
    project: number[],
    reference: number[],
    p: number,
    target?: number,
  ): ResultRow => {
    const a = percentile(project, p);
    const b = percentile(reference, p);
    return {
      item: 3,
      metric,
      project: ms(a),
      reference: ms(b),
      ratio: ratio(a / b),
      target: target === undefined ? '— (context)' : `≤ ${target}x`,
      met: target === undefined ? 'n/a' : yesNo(a / b <= target),
      values: { project: a, reference: b, ratio: a / b, unit: 'ms' },
    };
  };
  const proxyCost = percentile(w.proxiedFetch, 50) - percentile(w.fetch, 50);
  return [
    row(
      `Warm p50${over}: full handler vs bare fetch (n=${w.handler.length} each, latency 0)`,
      w.handler,
      w.fetch,
      50,
      tls ? undefined : TARGET_P50,
    ),
    row(`Warm p99${over}: full handler vs bare fetch`, w.handler, w.fetch, 99),
    {
      ...row(
        `Warm p50${over}: full handler vs a bare \`node:http\` keep-alive request (the client's transport)`,
        w.handler,
        w.http,
        50,
      ),
      summary: !tls,
    },
    row(
      `Warm p50${over}: project vs official SDK (n=${w.reference.length}, both through a proxy)`,
      w.proxiedHandler,
      w.reference,
      50,
    ),
    row(`Warm p99${over}: project vs official SDK (both through a proxy)`, w.proxiedHandler, w.reference, 99),
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

const summary = (w: WarmDurations) =>
  Object.fromEntries(
    Object.entries(w).map(([name, values]: [string, number[]]) => [
      name,
      {
        n: values.length,
        p50: percentile(values, 50),
        p90: percentile(values, 90),
        p99: percentile(values, 99),
      },
    ]),
  );

/** Item 3 over plain http: the full handler against a bare `fetch`, and against the official SDK. */
export const warm: Measurement = {
  name: 'warm',
  async run(context) {
    await context.bundles();
    const world = await startWorld();
    let durations: WarmDurations;
    try {
      context.log('warm invocations (http)');
      durations = await measure(world, context);
    } finally {
      await world.stop();
    }
    const rows = warmRows(durations, false);
    const notes = [
      'Warm: one process per set-up imports the bundle once, then invokes it on a fresh in-progress call ' +
        `each time (${WARM_UP} warm-up invocations not counted), interleaved with a bare \`fetch\` and a bare ` +
        '`node:http` request (keep-alive agent) POSTing the same form body with Basic auth to the same emulator path and reading the JSON answer. The ' +
        "function's log lines go to a discarded stdout, as they would to CloudWatch. Emulator latency 0.",
    ];
    const p50 = (values: number[]) => ms(percentile(values, 50));
    const verdict = rows.some((row) => row.met === 'no') ? 'Missed, warm overhead' : 'Warm overhead';
    notes.push(
      `${verdict}: the handler's p50 is ${p50(durations.handler)} against ${p50(durations.fetch)} for a bare ` +
        `fetch of the same request and ${p50(durations.http)} for a bare \`node:http\` request on a keep-alive ` +
        "agent, the transport the handler's SignalWire client uses (it spends less CPU per exchange than " +
        "undici's `fetch`). Above that, per invocation the handler runs the middy chain (normalisers, body " +
        'parsers, validation, router), Powertools context injection, the audit line and the EMF metrics flush; ' +
        'against a zero-latency emulator these fixed costs are set against a single loopback round trip, and ' +
        'against a real SignalWire (tens of ms away) they are a few per cent.',
    );
    return { rows, notes, details: { percentiles: summary(durations) } };
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
    let durations: WarmDurations;
    try {
      context.log('warm invocations (https)');
      durations = await measure(world, context);
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
    return { rows: warmRows(durations, true), notes, details: { percentiles: summary(durations) } };
  },
};
