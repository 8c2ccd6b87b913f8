/**
 * Child process of the cleanup benchmark, bundled the production way and run on its own so that its peak RSS
 * is the cleanup's alone (the emulator stays in the parent). It receives one {@link CleanupPlan} over IPC and
 * either runs `runCleanup` with the real `SignalWireClient` until no stale call is left (or `maxRuns`), or,
 * with `bareSids`, sends the same end requests with a bare `fetch` (or `node:http`) pool: what the loopback and
 * the machine allow. It answers a {@link CleanupOutcome}. Audit records go to stdout, which the parent discards.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type Agent as HttpAgent } from 'node:http';
import https from 'node:https';
import { CallingClient } from '#commons/calling/client';
import { applyToProject } from '#commons/calls/service';
import { parseCleanupEvent } from '#commons/cleanup/policy';
import { runCleanup } from '#commons/cleanup/run-cleanup';
import { logger } from '#commons/platform/powertools';
import { CALL_ANSWER_MAX_BYTES } from '#commons/signalwire/answer-caps';
import { type RetryNotice, SignalWireClient } from '#commons/signalwire/client';
import { exchange, parseOrigin } from '#commons/signalwire/transport';
import { CLEANUP_ENDS_PER_SECOND } from '../functions/commons/platform/settings.ts';
import { sampleAuditLine, writeAudits, writeBare, writeRequired } from './cleanup-audit-lines.ts';
import { endPaced } from './cleanup-paced-layer.ts';
import { endRequiredWork } from './cleanup-required-work.ts';

/** What the parent asks for. The token travels over IPC only and is never printed. */
export interface CleanupPlan {
  projectId: string;
  apiToken: string;
  spaceOrigin: string;
  concurrency: number;
  /**
   * The cleanup's pace: starts per second, shared by its workers. @default the account-wide budget
   * (CLEANUP_ENDS_PER_SECOND.max), so the engine, not the pacer, is measured; deployed runs default to 200.
   */
  maxEndsPerSecond?: number;
  /** The circuit breaker of each run (the policy allows at most 10,000). */
  maxCallsToEnd: number;
  /** In-progress calls older than this are stale. */
  maxAgeSeconds: number;
  /** Runs at most; each further run is the next scheduled invocation picking up what is left. */
  maxRuns: number;
  /**
   * The kind of call the policy covers (`apis`): Compatibility calls through List Calls, or native ones through
   * the voice logs and the Calling API (bench/cleanup-native.ts). @default 'compatibility'
   */
  api?: 'compatibility' | 'calling';
  /** Instead of the cleanup: end exactly these calls with bare `fetch`, `concurrency` at a time. */
  bareSids?: string[];
  /**
   * The bare pool's transport: the global `fetch` (the reference of the CPU target), or `node:http(s)` on a
   * keep-alive agent, the transport SignalWireClient uses, doing nothing else (the floor under the cleanup).
   * The layers between that floor and the cleanup, each the project's own module doing nothing else:
   * `transport` sends through functions/commons/signalwire/transport.ts, `client` through
   * `SignalWireClient.updateCall` (the end request as the cleanup sends it), `apply` through `applyToProject`
   * (calls/service.ts), which is what the cleanup calls per call; `paced` sends those through the cleanup's own
   * pacer and pool (pacer.ts, task-pool.ts) as it does, one start at a time; `settled` also settles each call in
   * the cleanup's ledger (report.ts: its counters and its audit record, the rule said as the cleanup says it).
   * Between `settled` and the cleanup is what the pool is handed the SIDs for: listing, judging, the run's loop.
   * @default 'fetch'
   */
  bareTransport?: BareTransport;
  /**
   * Sample `process.memoryUsage()` every 20 ms for the memory rows. Off for the CPU rows: the sampling costs
   * CPU in proportion to the wall time, which would be charged to the slower of the compared clients.
   * @default true
   */
  trackMemory?: boolean;
  /**
   * Instead of ending calls: write this many audit records as the cleanup writes them (the same logger and
   * record shape), so the CPU of the audit line alone can be set against the cleanup's.
   */
  auditLines?: number;
  /**
   * Instead of ending calls: this many bare `process.stdout.write` calls of one audit line (made as `auditLines`
   * makes them, before the measured work), to the same stdout: what the write alone costs an audit record.
   */
  writeLines?: number;
  /**
   * Instead of ending calls: this many audit lines made by hand with no work per line the contract does not
   * require, the audit record's fields and values (bench/cleanup-audit-lines.ts `writeRequired`), each written
   * with `process.stdout.write`: the audit record's required-work floor.
   */
  requiredLines?: number;
  /**
   * Instead of the cleanup: the bare `node:http` pool's ends plus only the work README's cleanup contract requires,
   * by hand, no library (bench/cleanup-required-work.ts): the cleanup's required-work floor.
   */
  requiredWork?: boolean;
  /**
   * Per-attempt timeout of the requests the client and the `transport` layer send: longer where the child runs
   * under callgrind (bench/cleanup-instructions.ts), some 50 times slower, so a loaded machine does not fail calls
   * the count needs. @default the client's own (5 s)
   */
  requestTimeoutMs?: number;
}

export type BareTransport = 'fetch' | 'http' | 'transport' | 'client' | 'apply' | 'paced' | 'settled';

/** Largest values of `process.memoryUsage()` seen while the work ran (sampled every 20 ms). */
export interface MemoryPeaks {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** What the child reports. */
export interface CleanupOutcome {
  runs: number;
  wallMs: number;
  /** User + system CPU time of this process during the work. */
  cpuMs: number;
  /** The same CPU time split: user (this process's own instructions) and system (the kernel's, for it). */
  userCpuMs?: number;
  systemCpuMs?: number;
  /** Bytes of the line a `writeLines` run wrote each time. */
  lineBytes?: number;
  /**
   * Times the event loop's thread blocked during the work and was woken again (by an answer or a timer): its
   * voluntary context switches. Absent where `/proc` does not say (not Linux).
   */
  wakeups?: number;
  found: number;
  ended: number;
  alreadyEnded: number;
  failed: number;
  pagesRead: number;
  /** Retries the client made, by reason (`rate-limited`, `unavailable`, ...). */
  retries: Record<string, number>;
  /** Calls each run left failed (the next run picks them up). */
  failedPerRun: number[];
  /** First failures, for the notes. */
  failures: Array<{ code: string; message: string }>;
  /** RSS before the first run, after module load. */
  rssBeforeBytes: number;
  /** `process.resourceUsage().maxRSS` after the last run: the peak over the whole process. */
  peakRssBytes: number;
  /** Largest sampled RSS during each run: a trend here would mean memory that grows with the calls. */
  runPeakRssBytes: number[];
  /** Largest sampled JS heap (`heapUsed`) during each run. */
  runPeakHeapBytes: number[];
  /**
   * Pages each run read (List Calls and voice logs): a run over a backlog above its cap lists the whole backlog,
   * to count what is beyond the cap, so the first runs of a large set-up do more than a small one's single run.
   */
  runPagesRead: number[];
  peaks: MemoryPeaks;
}

interface PeakTracker {
  peaks: MemoryPeaks;
  /** Ends a run: returns its largest sampled RSS and JS heap, and starts counting the next one. */
  endRun(): { rss: number; heapUsed: number };
  stop(): void;
}

const trackPeaks = (enabled: boolean): PeakTracker => {
  const peaks: MemoryPeaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  let runPeak = { rss: 0, heapUsed: 0 };
  const sample = (): void => {
    const usage = process.memoryUsage();
    for (const key of Object.keys(peaks) as Array<keyof MemoryPeaks>) {
      peaks[key] = Math.max(peaks[key], usage[key]);
    }
    runPeak.rss = Math.max(runPeak.rss, usage.rss);
    runPeak.heapUsed = Math.max(runPeak.heapUsed, usage.heapUsed);
  };
  const timer = enabled ? setInterval(sample, 20) : undefined;
  return {
    peaks,
    endRun: () => {
      sample();
      const peak = runPeak;
      runPeak = { rss: 0, heapUsed: 0 };
      return peak;
    },
    stop: () => {
      clearInterval(timer);
      sample();
    },
  };
};

export const emptyOutcome = (): CleanupOutcome => ({
  runs: 0,
  wallMs: 0,
  cpuMs: 0,
  found: 0,
  ended: 0,
  alreadyEnded: 0,
  failed: 0,
  pagesRead: 0,
  retries: {},
  failedPerRun: [],
  failures: [],
  rssBeforeBytes: process.memoryUsage.rss(),
  peakRssBytes: 0,
  runPeakRssBytes: [],
  runPeakHeapBytes: [],
  runPagesRead: [],
  peaks: { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 },
});

/** The client the cleanup builds, for the layers that use it (retries counted as the cleanup counts them). */
const clientOf = (plan: CleanupPlan, outcome: CleanupOutcome): SignalWireClient =>
  new SignalWireClient({
    projectId: plan.projectId,
    apiToken: plan.apiToken,
    spaceOrigin: plan.spaceOrigin,
    ...(plan.requestTimeoutMs ? { timeoutMs: plan.requestTimeoutMs } : {}),
    onRetry: (notice: RetryNotice) => {
      outcome.retries[notice.reason] = (outcome.retries[notice.reason] ?? 0) + 1;
    },
  });

const cleanUp = async (plan: CleanupPlan, outcome: CleanupOutcome, tracker: PeakTracker): Promise<void> => {
  const client = clientOf(plan, outcome);
  const { scheduleName, policy } = parseCleanupEvent(
    {
      scheduleName: 'bench-cleanup',
      policy: {
        maxAgeSeconds: { inProgress: plan.maxAgeSeconds },
        maxCallsToEnd: plan.maxCallsToEnd,
        apis: [plan.api ?? 'compatibility'],
      },
    },
    undefined,
  );
  const native = new CallingClient(client);
  while (outcome.runs < plan.maxRuns) {
    const report = await runCleanup(client, policy, {
      native,
      scheduleName,
      accountSid: plan.projectId,
      logger,
      concurrency: plan.concurrency,
      // The scenario measures the engine against the emulator's latency, so it may use the account's whole
      // POST budget (13,800 per 10 s), above the 1,250 per second the ideal needs; deployed runs default to 200.
      maxEndsPerSecond: plan.maxEndsPerSecond ?? CLEANUP_ENDS_PER_SECOND.max,
    });
    outcome.runs++;
    outcome.found += report.found;
    outcome.ended += report.ended;
    outcome.alreadyEnded += report.alreadyEnded;
    outcome.failed += report.failed;
    outcome.pagesRead += report.pagesRead + report.voiceLogPagesRead;
    outcome.failedPerRun.push(report.failed);
    outcome.runPagesRead.push(report.pagesRead + report.voiceLogPagesRead);
    const peak = tracker.endRun();
    outcome.runPeakRssBytes.push(peak.rss);
    outcome.runPeakHeapBytes.push(peak.heapUsed);
    if (outcome.failures.length === 0) {
      outcome.failures = report.failedCalls.slice(0, 3).map(({ code, message }) => ({ code, message }));
    }
    const left = report.circuitBreaker.eligibleBeyondCap + report.failed + report.notReached.listedCalls;
    if (left === 0 && !report.incomplete) break;
  }
};

/** One bare POST over `node:http(s)` on a keep-alive agent: the answer's status once its body is read. */
const postBare = (
  url: URL,
  headers: Record<string, string>,
  body: string,
  agent: HttpAgent,
): Promise<number> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? https.request : http.request;
    const request = send(url, { method: 'POST', headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve(response.statusCode ?? 0);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });

/** One end request of the bare pool or of one layer: whether the call ended. */
export type Ender = (sid: string) => Promise<boolean>;

/** The project's layers above `node:http`, each doing nothing but ending the call. */
const layerEnder = (plan: CleanupPlan, outcome: CleanupOutcome, signal: AbortSignal): Ender => {
  const client = clientOf(plan, outcome);
  if (plan.bareTransport === 'client') {
    // updateCall throws unless SignalWire answered 2xx with a call.
    return async (sid) => {
      await client.updateCall(sid, { Status: 'completed' }, { signal });
      return true;
    };
  }
  if (plan.bareTransport === 'apply' || plan.bareTransport === 'paced' || plan.bareTransport === 'settled') {
    const action = { kind: 'terminate', status: 'completed' } as const;
    return async (sid) => (await applyToProject(client, plan.projectId, { callSid: sid, action, signal })).ok;
  }
  // `transport`: the headers SignalWireClient sends with a form POST, and its timeout and answer cap.
  const origin = parseOrigin(new URL(plan.spaceOrigin));
  const authorization = `Basic ${Buffer.from(`${plan.projectId}:${plan.apiToken}`).toString('base64')}`;
  const headers = {
    authorization,
    accept: 'application/json',
    'user-agent': 'bench-cleanup-layer',
    'content-type': 'application/x-www-form-urlencoded',
  };
  const prefix = `/api/laml/2010-04-01/Accounts/${plan.projectId}/Calls/`;
  return async (sid) => {
    const answer = await exchange({
      method: 'POST',
      url: { origin, path: `${prefix}${sid}.json` },
      headers,
      body: 'Status=completed',
      timeoutMs: plan.requestTimeoutMs ?? 5_000,
      signal,
      maxAnswerBytes: CALL_ANSWER_MAX_BYTES,
    });
    JSON.parse(answer.text);
    return answer.status === 200;
  };
};

const endBare = async (plan: CleanupPlan, sids: string[], outcome: CleanupOutcome): Promise<void> => {
  const authorization = `Basic ${Buffer.from(`${plan.projectId}:${plan.apiToken}`).toString('base64')}`;
  const body = 'Status=completed';
  const headers = { authorization, 'content-type': 'application/x-www-form-urlencoded' };
  const tls = plan.spaceOrigin.startsWith('https:');
  const agent = tls ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const url = (sid: string) =>
    `${plan.spaceOrigin}/api/laml/2010-04-01/Accounts/${plan.projectId}/Calls/${sid}.json`;
  const transport = plan.bareTransport ?? 'fetch';
  const stop = new AbortController();
  let end: Ender;
  if (transport === 'http') {
    const withLength = { ...headers, 'content-length': String(body.length) };
    end = async (sid) => (await postBare(new URL(url(sid)), withLength, body, agent)) === 200;
  } else if (transport === 'fetch') {
    end = async (sid) => {
      const response = await fetch(url(sid), { method: 'POST', headers, body });
      await response.json();
      return response.status === 200;
    };
  } else {
    end = layerEnder(plan, outcome, stop.signal);
  }
  if (transport === 'paced' || transport === 'settled') {
    await endPaced(plan, sids, outcome, end, transport === 'settled' ? clientOf(plan, outcome) : undefined);
    agent.destroy();
    return;
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sids.length) {
      const sid = sids[next++] as string;
      if (await end(sid)) outcome.ended++;
      else outcome.failed++;
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  agent.destroy();
  outcome.runs = 1;
  outcome.found = sids.length;
};

/** Voluntary context switches of the calling thread so far (Linux), or undefined. */
const threadWaits = (): number | undefined => {
  try {
    const match = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(
      readFileSync('/proc/thread-self/status', 'utf8'),
    );
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
};

const run = async (plan: CleanupPlan): Promise<CleanupOutcome> => {
  const outcome = emptyOutcome();
  const line = plan.writeLines === undefined ? '' : sampleAuditLine(plan, emptyOutcome());
  // The records' SIDs, made before the CPU is counted: a cleanup's comes with the listed call (the listing's rows).
  const sids = Array.from({ length: plan.auditLines ?? plan.requiredLines ?? 0 }, () => randomUUID());
  const tracker = trackPeaks(plan.trackMemory ?? true);
  const waitsBefore = threadWaits();
  const cpu = process.cpuUsage();
  const started = performance.now();
  if (plan.auditLines !== undefined) writeAudits(plan, outcome, sids);
  else if (plan.writeLines !== undefined) writeBare(plan.writeLines, line, outcome);
  else if (plan.requiredLines !== undefined) writeRequired(plan, outcome, sids);
  else if (plan.requiredWork) await endRequiredWork(plan, outcome);
  else if (plan.bareSids) await endBare(plan, plan.bareSids, outcome);
  else await cleanUp(plan, outcome, tracker);
  outcome.wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  outcome.cpuMs = (used.user + used.system) / 1000;
  outcome.userCpuMs = used.user / 1000;
  outcome.systemCpuMs = used.system / 1000;
  const waitsAfter = threadWaits();
  if (waitsBefore !== undefined && waitsAfter !== undefined) outcome.wakeups = waitsAfter - waitsBefore;
  tracker.stop();
  outcome.peaks = tracker.peaks;
  outcome.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  return outcome;
};

process.once('message', (plan: CleanupPlan) => {
  run(plan).then(
    (outcome) => process.send?.(outcome, () => process.exit(0)),
    (error: unknown) =>
      process.send?.({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () =>
        process.exit(1),
      ),
  );
});
