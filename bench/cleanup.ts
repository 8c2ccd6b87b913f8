import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RateLimit } from '#local/signalwire-emulator';
import { CLEANUP_ENDS_PER_SECOND } from '../functions/commons/platform/settings.ts';
import { auditBoundRows, auditNote, auditRecordRow, auditRequiredRows } from './cleanup-audit.ts';
import { cleanupFloorRows, floorCpuSentence, floorWallSentence } from './cleanup-floor.ts';
import { LAYERS, type LayerRuns, layerRows, layerSentence } from './cleanup-layers.ts';

export { auditRecordRow };

import { LISTING_MAX_AGE_SECONDS, listingRow } from './cleanup-listing.ts';
import {
  CLEANUP_CONCURRENCY,
  CLEANUP_ENGINE,
  type CleanupResult,
  cpuPerCall,
  LIST_PAGE_SIZE,
  listPageParseCpu,
  MAX_AGE_SECONDS,
  MAX_CALLS_PER_RUN,
  runScenario,
  STALE_AGE_SECONDS,
  timerWakeCpu,
} from './cleanup-scenarios.ts';
import { pacerSentence, unpacedRow } from './cleanup-unpaced.ts';
import {
  count,
  FUNCTION_MEMORY_MB,
  type Measurement,
  percent,
  REPEATS,
  scaled,
  yesNo,
} from './measurement.ts';
import { ms, type ResultRow, ratio, ratioSpread, spread, spreadValues, us } from './report.ts';

const CLEANUP_CALLS = scaled(5000, 200);
const CLEANUP_LATENCY_MS = 20;
/** 500 POSTs per second where the cleanup asks for up to 1,250: 429s are certain. */
const RATE_LIMIT: RateLimit = { maxPosts: 250, windowMs: 500 };
/** Issue 22's targets: against a bare `node:http` pool in its own process, and for the audit record alone. */
const TARGET_CPU_VS_NODE_HTTP = 1.6;
const TARGET_WALL_VS_NODE_HTTP = 0.95;

/** Rounds of the cleanup and the bare pools, alternated. */
const CPU_ROUNDS = REPEATS;

/** The run with the median CPU per call (the middle of an odd count). */
const medianRun = (results: CleanupResult[]): CleanupResult => {
  const sorted = [...results].sort((a, b) => cpuPerCall(a) - cpuPerCall(b));
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (!middle) throw new Error('no cleanup run to take the median of');
  return middle;
};

const cpuRow = (
  metric: string,
  project: CleanupResult,
  bare: CleanupResult,
  label = 'bare fetch',
): ResultRow => {
  const value = cpuPerCall(project) / cpuPerCall(bare);
  return {
    item: 4,
    metric,
    project: ms(cpuPerCall(project)),
    reference: `${label} ${ms(cpuPerCall(bare))}`,
    ratio: ratio(value),
    target: '— (context)',
    met: 'n/a',
    values: { project: cpuPerCall(project), reference: cpuPerCall(bare), ratio: value, unit: 'ms' },
  };
};

/**
 * A row over the alternated rounds: `figure(round)` is the per-round ratio, the row shows their median and
 * min–max, and `project`/`reference` are the figures of the median runs.
 */
const roundsRow = (
  spec: Pick<ResultRow, 'id' | 'metric'> & { target: string; met: (median: number) => boolean },
  perRound: number[],
  project: number,
  reference: number,
  display: { project: string; reference: string },
): ResultRow => {
  const s = spread(perRound);
  return {
    item: 4,
    ...(spec.id ? { id: spec.id } : {}),
    metric: spec.metric,
    project: display.project,
    reference: display.reference,
    ratio: ratioSpread(s),
    target: spec.target,
    met: yesNo(spec.met(s.median)),
    values: spreadValues(s, project, reference, 'ms'),
  };
};

/** The arms of the alternated rounds beside the cleanup, the `node:http` pool and the layers. */
type Arm = 'bare' | 'unpaced' | 'listing' | 'audits' | 'writes' | 'required' | 'auditRequired';

/** What the cleanup measurement ran, for its rows and notes. */
interface Measured {
  /**
   * Every alternated round of the cleanup, of the two bare pools and of the layers between the `node:http` pool
   * and the cleanup (bench/cleanup-layers.ts), each in its own process.
   */
  runs: LayerRuns & Record<Arm, CleanupResult[]>;
  plain: CleanupResult;
  bare: CleanupResult;
  bareHttp: CleanupResult;
  limited: CleanupResult;
  audits: CleanupResult;
  parse: Awaited<ReturnType<typeof listPageParseCpu>>;
  /** CPU of one wake of an idle event loop by a timer, in this process (ms). */
  timerWake: number;
  tls: { plain: CleanupResult; bare: CleanupResult } | undefined;
}

/** The ideal wall time: every call one round trip, `CLEANUP_CONCURRENCY` at a time. */
const IDEAL_MS = (CLEANUP_CALLS * CLEANUP_LATENCY_MS) / CLEANUP_CONCURRENCY;

/** Issue 22's target rows: against the bare `node:http` pool, round by round, and the audit record alone. */
const targetRows = ({ runs, plain, bareHttp }: Measured): ResultRow[] => {
  const rounds = runs.plain.map((run, i) => ({ run, pool: runs.bareHttp[i] as CleanupResult }));
  return [
    roundsRow(
      {
        id: 'cleanup-cpu-vs-node-http',
        metric:
          'Cleanup client CPU per ended call (user + system) vs a bare `node:http` keep-alive pool in its own ' +
          `process (SignalWireClient's transport, doing nothing else), ${count(CLEANUP_CALLS)} calls`,
        target: `≤ ${TARGET_CPU_VS_NODE_HTTP}x`,
        met: (median) => median <= TARGET_CPU_VS_NODE_HTTP,
      },
      rounds.map(({ run, pool }) => cpuPerCall(run) / cpuPerCall(pool)),
      cpuPerCall(plain),
      cpuPerCall(bareHttp),
      { project: ms(cpuPerCall(plain)), reference: `bare node:http ${ms(cpuPerCall(bareHttp))}` },
    ),
    roundsRow(
      {
        id: 'cleanup-wall-vs-node-http',
        metric:
          `Cleanup wall time, latency ${CLEANUP_LATENCY_MS} ms, concurrency ${CLEANUP_CONCURRENCY}: pool time / ` +
          'cleanup time, every call ended',
        target: `≥ ${TARGET_WALL_VS_NODE_HTTP} (${TARGET_WALL_VS_NODE_HTTP * 100} %)`,
        met: (median) => median >= TARGET_WALL_VS_NODE_HTTP && plain.stillLive === 0,
      },
      rounds.map(({ run, pool }) => pool.wallMs / run.wallMs),
      plain.wallMs,
      bareHttp.wallMs,
      {
        project: `${ms(plain.wallMs)}, ${count(plain.ended)} ended, ${plain.stillLive} left`,
        reference: `bare node:http ${ms(bareHttp.wallMs)}`,
      },
    ),
    auditRecordRow(runs.audits),
    ...auditBoundRows(runs.audits, runs.writes),
    ...auditRequiredRows(runs.audits, runs.auditRequired),
  ];
};

const cleanupRows = (measured: Measured): ResultRow[] => {
  const { plain, bare, limited, audits, tls } = measured;
  const ideal = IDEAL_MS;
  const efficiency = ideal / plain.wallMs;
  const limitedIdeal = Math.max(ideal, (CLEANUP_CALLS * RATE_LIMIT.windowMs) / RATE_LIMIT.maxPosts);
  const rows: ResultRow[] = [
    ...targetRows(measured),
    ...cleanupFloorRows(measured.runs, count(CLEANUP_CALLS)),
    ...layerRows(measured.runs, count(CLEANUP_CALLS)),
    unpacedRow(measured.runs, count(CLEANUP_CALLS)),
    listingRow(measured.runs, count(CLEANUP_CALLS)),
    {
      item: 4,
      metric:
        `Context, flattering: cleanup wall time against an "ideal" of calls × ${CLEANUP_LATENCY_MS} ms / ` +
        `concurrency (the emulator's answers take longer than ${CLEANUP_LATENCY_MS} ms)`,
      project: `${ms(plain.wallMs)}, ${count(plain.ended)} ended, ${plain.stillLive} left`,
      reference: `ideal ${ms(ideal)}`,
      ratio: `${(efficiency * 100).toFixed(1)} % of ideal`,
      target: '— (context)',
      met: 'n/a',
      values: { project: plain.wallMs, reference: ideal, ratio: efficiency, unit: 'ms' },
    },
    {
      item: 4,
      metric: 'Same calls ended by a bare fetch pool (what loopback and 2 shared cores allow)',
      project: ms(plain.wallMs),
      reference: `bare fetch ${ms(bare.wallMs)} (${((ideal / bare.wallMs) * 100).toFixed(1)} % of ideal)`,
      ratio: `${((bare.wallMs / plain.wallMs) * 100).toFixed(1)} % of bare fetch`,
      target: '— (context)',
      met: 'n/a',
      values: {
        project: plain.wallMs,
        reference: bare.wallMs,
        ratio: bare.wallMs / plain.wallMs,
        unit: 'ms',
      },
    },
    cpuRow(
      'Context, flattering: client CPU per ended call against a bare `fetch` pool (undici costs more per ' +
        'exchange than the `node:http` the client uses)',
      plain,
      bare,
    ),
    {
      item: 4,
      metric:
        'Of which the audit record (one Powertools log line per call, written alone in the same set-up)',
      project: ms(cpuPerCall(audits)),
      reference: `cleanup without it ${ms(cpuPerCall(plain) - cpuPerCall(audits))}`,
      ratio: `without it ${ratio((cpuPerCall(plain) - cpuPerCall(audits)) / cpuPerCall(bare))} of bare fetch`,
      target: '— (context)',
      met: 'n/a',
      values: {
        project: cpuPerCall(audits),
        reference: cpuPerCall(plain) - cpuPerCall(audits),
        ratio: (cpuPerCall(plain) - cpuPerCall(audits)) / cpuPerCall(bare),
        unit: 'ms',
      },
    },
    {
      item: 4,
      metric: `Same, emulator rate-limited to ${RATE_LIMIT.maxPosts} POSTs / ${RATE_LIMIT.windowMs} ms (429, no Retry-After)`,
      project:
        `${ms(limited.wallMs)} in ${limited.runs} run(s) (failed per run: ${limited.failedPerRun.join(', ')}), ` +
        `${count(limited.rateLimited)} × 429, ${limited.stillLive} left`,
      reference: `floor ${ms(limitedIdeal)} (rate limit)`,
      ratio: `${((limitedIdeal / limited.wallMs) * 100).toFixed(1)} % of floor`,
      target: 'every call ended in the run',
      met: yesNo(limited.stillLive === 0 && limited.runs === 1),
      values: {
        project: limited.wallMs,
        reference: limitedIdeal,
        ratio: limitedIdeal / limited.wallMs,
        unit: 'ms',
      },
    },
  ];
  if (tls) {
    rows.push(
      cpuRow('Client CPU per ended call over https (both keep their connections alive)', tls.plain, tls.bare),
      {
        item: 4,
        metric: `Cleanup of ${count(CLEANUP_CALLS)} stale calls over https, latency ${CLEANUP_LATENCY_MS} ms`,
        project: `${ms(tls.plain.wallMs)}, ${count(tls.plain.ended)} ended, ${tls.plain.stillLive} left`,
        reference: `bare fetch ${ms(tls.bare.wallMs)}`,
        ratio: `${((tls.bare.wallMs / tls.plain.wallMs) * 100).toFixed(1)} % of bare fetch`,
        target: '— (context)',
        met: 'n/a',
        values: { project: tls.plain.wallMs, reference: tls.bare.wallMs, unit: 'ms' },
      },
    );
  }

  return rows;
};

/**
 * The sentence of the CPU note on the event loop's waits, when the children could count them: how often the
 * cleanup and the bare pool blocked per ended call, and what a wake costs here.
 */
const waitSentence = (plain: CleanupResult, pool: CleanupResult, timerWake: number): string => {
  if (plain.wakeups === undefined || pool.wakeups === undefined) return '';
  const perCall = (result: CleanupResult) => (result.wakeups ?? 0) / Math.max(1, result.ended);
  const figures =
    ` Waits: the cleanup's event loop blocked and was woken ${perCall(plain).toFixed(2)} times per ended call, ` +
    `the bare \`node:http\` pool's ${perCall(pool).toFixed(2)} (voluntary context switches of each child's main ` +
    `thread), and one wake of an idle event loop by a timer costs ${us(timerWake)} of CPU on this machine (a ` +
    '`setTimeout(1)` loop measured alone).';
  // The pacer's share, said only when the run shows it: a short run ends before its spacing shows.
  if (perCall(plain) < 1.2 * perCall(pool)) return figures;
  return (
    `${figures} The pacer spaces the cleanup's starts (one every ` +
    `${ms(1000 / CLEANUP_ENDS_PER_SECOND.max)} at the account-wide budget, at most three at once after a pause) ` +
    'where the pool sends an end the moment an answer frees a slot: spaced starts come back as spaced answers, ' +
    'each waking the loop on its own.'
  );
};

const cleanupNotes = (measured: Measured, rows: ResultRow[]): string[] => {
  const { runs, plain, bare, bareHttp, limited, audits, parse, timerWake, tls } = measured;
  const ideal = IDEAL_MS;
  const notes = [
    'Cleanup: bench/cleanup-driver.ts (bundled like a function) runs `runCleanup` with the real ' +
      '`SignalWireClient` in a child process; the emulator runs in the parent. Stale calls: in-progress, ' +
      `${STALE_AGE_SECONDS} s old, policy inProgress ${MAX_AGE_SECONDS} s, page size ${LIST_PAGE_SIZE} (default), ` +
      `concurrency ${CLEANUP_CONCURRENCY}, ${count(MAX_CALLS_PER_RUN)} ends at most per run. Client CPU is ` +
      '`process.cpuUsage()` of the child over the run, every audit line written to a discarded stdout, no ' +
      'memory sampling in these rows (it would charge the slower client more). The cleanup, both bare ' +
      `pools and the ${LAYERS.length} layers between the \`node:http\` pool and the cleanup ` +
      `(\`cleanup-layer-*\`) run ${CPU_ROUNDS} times, alternated, each in its own process, with the cleanup once ` +
      'more per round with its pacer released (bench/stand-ins/pacer.ts, built into a bench-only driver) and once ' +
      'more under a policy none of the calls is stale by (the listing alone, bench/cleanup-listing.ts); the rows against the ' +
      '`node:http` pool show the median of the per-round ratios with their min–max, the others the run with ' +
      'the median CPU per call. The ' +
      'bare pool POSTs the same end requests with `fetch`, reads the answers and does nothing else; the bare ' +
      '`node:http` pool does the same over a keep-alive `http.Agent`, the transport SignalWireClient uses ' +
      '(functions/commons/signalwire/transport.ts), so the gap between the two bare pools is what the choice ' +
      'of transport saves, and the gap above the `node:http` pool is what the cleanup itself costs.' +
      (tls ? ' The https rows serve the emulator with the certificate of the TLS rows of item 3.' : ''),
  ];
  const cpu = cpuPerCall(plain);
  const bareCpu = cpuPerCall(bare);
  const auditCpu = cpuPerCall(audits);
  const httpCpu = cpuPerCall(bareHttp);
  const cpuVerdict = rows.some((row) => row.met === 'no' && row.id === 'cleanup-cpu-vs-node-http')
    ? 'Missed, cleanup CPU'
    : 'Cleanup CPU';
  notes.push(
    `${cpuVerdict}: ${ms(cpu)} per ended call against ${ms(bareCpu)} for bare fetch (${ratio(cpu / bareCpu)}). ` +
      `SignalWireClient sends over \`node:http(s)\`, not \`fetch\`: a bare pool on that transport spends ` +
      `${ms(httpCpu)} per call in the same run (${ratio(httpCpu / bareCpu)} of bare fetch; undici wraps every ` +
      'exchange in WHATWG Headers, Response and streams). Above that floor the cleanup spends ' +
      `${ms(Math.max(0, cpu - httpCpu))} per call (${ratio(cpu / httpCpu)} of the bare \`node:http\` pool) on what ` +
      `the bare pool does not do: the audit record (${ms(auditCpu)} per call, written alone as the cleanup ` +
      `writes it with the Powertools Logger), ${plain.pagesRead} List Calls pages of ${LIST_PAGE_SIZE} calls ` +
      `(\`JSON.parse\` of a whole page, ${(parse.pageBytes / 1024).toFixed(0)} KiB, costs ` +
      `${parse.msPerCall.toFixed(4)} ms per call measured alone: reading only the fields the policy needs would ` +
      "take a JavaScript parser, slower than V8's native one), the policy's " +
      `verdict, the pacer (one start every ${ms(1000 / CLEANUP_ENDS_PER_SECOND.max)} on average at the account-wide budget), a timeout timer per ` +
      `request and the retry bookkeeping. ${layerSentence(runs, TARGET_CPU_VS_NODE_HTTP)}` +
      `${waitSentence(plain, bareHttp, timerWake)}${pacerSentence(runs, TARGET_CPU_VS_NODE_HTTP)} On this shared machine the ratios of single ` +
      `runs move by ±15 %: compare the https row, the same work over TLS in the same run.${floorCpuSentence(runs, TARGET_CPU_VS_NODE_HTTP)}`,
  );
  notes.push(auditNote(runs.audits, runs.writes, runs.auditRequired));
  const wall = floorWallSentence(runs, TARGET_WALL_VS_NODE_HTTP);
  if (plain.wallMs > ideal / 0.9) {
    const demand = (CLEANUP_CONCURRENCY / CLEANUP_LATENCY_MS) * 1000;
    notes.push(
      `Missed, cleanup throughput (${ms(plain.wallMs)} against an ideal of ${ms(ideal)}): the ideal assumes ` +
        `requests cost no CPU. Here ${count(demand)} requests per second must be produced by the cleanup ` +
        'and answered by the emulator on the same 2 cores: a bare `fetch` pool sending the same requests ' +
        `needs ${ms(bare.wallMs)} (${percent(ideal, bare.wallMs)} of ideal), a bare \`node:http\` pool, the ` +
        `client's transport doing nothing else, ${ms(bareHttp.wallMs)} (${percent(ideal, bareHttp.wallMs)}). ` +
        `The cleanup spends ${ms(cpu)} of CPU per call against ${ms(httpCpu)} for that pool (see the CPU ` +
        `note), on one event loop that was busy ${percent(plain.cpuMs, plain.wallMs)} of the run: with ` +
        `${CLEANUP_CONCURRENCY} requests in flight, each answer waits for the work of the others before it is ` +
        'read, which lengthens every round trip. Against SignalWire, tens of ms away, that work is a smaller ' +
        `share of each round trip. At ${ms(cpu)} of CPU per call one vCPU tops out near ` +
        `${count(Math.round(1000 / cpu))} calls per second, and a ${FUNCTION_MEMORY_MB} MB Lambda has ` +
        `${(FUNCTION_MEMORY_MB / 1769).toFixed(2)} of one.${wall}`,
    );
  } else if (wall) notes.push(`Cleanup wall time:${wall}`);
  if (limited.stillLive > 0 || limited.runs > 1) {
    notes.push(
      `Missed, rate-limited cleanup: ${count(limited.rateLimited)} requests were answered 429; the first ` +
        `run left ${limited.failedPerRun[0] ?? 0} calls failed, and the next run ended them ` +
        `(${limited.stillLive} left after ${limited.runs} runs).`,
    );
  }
  return notes;
};

/** Item 4: cleanup throughput and client CPU per ended call, against a bare `fetch` pool; also over https. */
export const cleanup: Measurement = {
  name: 'cleanup',
  async run(context) {
    if (!existsSync(join(context.root, CLEANUP_ENGINE))) {
      return {
        rows: [],
        notes: [`Cleanup rows are not measured: ${CLEANUP_ENGINE} is missing.`],
        details: {},
      };
    }
    const base = {
      calls: CLEANUP_CALLS,
      latencyMs: CLEANUP_LATENCY_MS,
      maxRuns: 1,
      memoryMb: FUNCTION_MEMORY_MB,
      trackMemory: false,
    };
    // The cleanup and the two bare pools, alternated over a few rounds; each is represented by its run with the
    // median CPU per call, so one disturbed run on this shared machine does not decide the target.
    const runs: Measured['runs'] = {
      plain: [],
      bare: [],
      bareHttp: [],
      transport: [],
      client: [],
      apply: [],
      paced: [],
      settled: [],
      unpaced: [],
      listing: [],
      audits: [],
      writes: [],
      required: [],
      auditRequired: [],
    };
    for (let round = 1; round <= CPU_ROUNDS; round++) {
      context.log(
        `cleanup: ${CLEANUP_CALLS} calls at ${CLEANUP_LATENCY_MS} ms, round ${round} of ${CPU_ROUNDS}`,
      );
      runs.plain.push(await runScenario(context, { ...base, mode: 'engine' }));
      runs.bare.push(await runScenario(context, { ...base, mode: 'bare' }));
      runs.bareHttp.push(await runScenario(context, { ...base, mode: 'bare-http' }));
      // What bounds the CPU target: the layers between the `node:http` pool and the cleanup, in the same rounds.
      for (const { key, mode } of LAYERS) runs[key].push(await runScenario(context, { ...base, mode }));
      // What the pacer costs: the same cleanup with it released (a bench-only build), in the same rounds.
      runs.unpaced.push(await runScenario(context, { ...base, mode: 'engine-unpaced' }));
      // What the pool is spared: the listing alone, the same calls under a policy none is stale by.
      runs.listing.push(
        await runScenario(context, { ...base, mode: 'engine', maxAgeSeconds: LISTING_MAX_AGE_SECONDS }),
      );
      // The audit records of as many calls, nothing sent: one run was at the mercy of one disturbance.
      runs.audits.push(await runScenario(context, { ...base, mode: 'audit' }));
      // What bounds it: as many bare writes of a line as long to the same stdout, beside it in each round.
      runs.writes.push(await runScenario(context, { ...base, mode: 'write' }));
      // The contract's required work alone, by hand: the cleanup's (bench/cleanup-required-work.ts), the record's.
      runs.required.push(await runScenario(context, { ...base, mode: 'required-work' }));
      runs.auditRequired.push(await runScenario(context, { ...base, mode: 'audit-required' }));
    }
    const plain = medianRun(runs.plain);
    const bare = medianRun(runs.bare);
    const bareHttp = medianRun(runs.bareHttp);
    context.log('cleanup: rate-limited');
    const limited = await runScenario(context, {
      ...base,
      rateLimit: RATE_LIMIT,
      maxRuns: 5,
      mode: 'engine',
    });
    const audits = medianRun(runs.audits);
    const parse = await listPageParseCpu();
    const timerWake = await timerWakeCpu();
    const certificates = await context.certificates();
    let tls: { plain: CleanupResult; bare: CleanupResult } | undefined;
    if (certificates) {
      context.log('cleanup: https, the cleanup and a bare fetch pool');
      tls = {
        plain: await runScenario(context, { ...base, mode: 'engine', certificates }),
        bare: await runScenario(context, { ...base, mode: 'bare', certificates }),
      };
    }

    const measured: Measured = { runs, plain, bare, bareHttp, limited, audits, parse, timerWake, tls };
    const rows = cleanupRows(measured);
    const notes = cleanupNotes(measured, rows);
    return {
      rows,
      notes,
      details: { plain, bare, bareHttp, runs, limited, audits, parse, timerWake, tls, rateLimit: RATE_LIMIT },
    };
  },
};
