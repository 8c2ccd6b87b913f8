import type { AuditActor, AuditLog, AuditTrigger } from '../calls/audit.ts';
import { scheduleActor } from '../calls/audit-actors.ts';
import { type AuditedResult, failureResult, writeAuditRecord } from '../calls/audit-record.ts';
import type { CallsApi } from '../calls/port.ts';
import { applyToProject, auditedResultOf } from '../calls/service.ts';
import { describeError } from '../errors.ts';
import {
  CLEANUP_CONCURRENCY,
  CLEANUP_ENDS_PER_SECOND,
  CLEANUP_TIME_MARGIN_MS,
  type IntegerRange,
  inRange,
} from '../platform/settings.ts';
import type { ActiveCallStatus, Call } from '../signalwire/types.ts';
import { createCallJudge, listCallPages, type Verdict } from './find-stale.ts';
import { Pacer, pause } from './pacer.ts';
import { CLEANED_STATES, type CleanupPolicy } from './policy.ts';

/** Options of {@link runCleanup}. */
export interface CleanupOptions {
  /** The schedule's name: the report's `scheduleName`. */
  scheduleName: string;
  /**
   * Who started the run, for the audit records (see `scheduleActor`).
   * @default - the schedule's name, as claimed by the input
   */
  actor?: AuditActor;
  /** The project `api` belongs to, for the audit records and the report. */
  accountSid: string;
  /** Where audit records go (one `call-control audit` line per call acted on). */
  logger: AuditLog;
  /** The audit records' trigger: `cli` when the `call-control` CLI runs the engine itself. @default 'schedule' */
  trigger?: AuditTrigger;
  /** End requests in flight at once (1 to 50). @default 10 */
  concurrency?: number;
  /**
   * End requests started per second (1 to 1380). In-flight bounds alone do not bound the rate (50 in flight
   * at 20 ms is 2,500 per second), and SignalWire allows 13,800 POSTs per 10 s for the whole account, shared
   * with every other caller; the client still backs off on 429 / 503. @default 200
   */
  maxEndsPerSecond?: number;
  /**
   * Time left before the invocation is stopped (Lambda's `context.getRemainingTimeInMillis`).
   * @default () => Infinity (no time budget)
   */
  remainingTimeMs?: () => number;
  /**
   * No new work starts once `remainingTimeMs()` is under this; requests still in flight when it falls
   * under half of it are abandoned, so the report is always written in time. @default 10000
   */
  timeMarginMs?: number;
  /** Calls per List Calls page (1 to 1000). @default 200 */
  pageSize?: number;
  /** Entries kept in each list of the report (`failedCalls`, `unknownAgeCalls`); counts stay exact. @default 100 */
  maxListedCalls?: number;
  /** The clock (epoch ms) ages are measured against, read once at the start. @default Date.now */
  now?: () => number;
}

/** A call the run tried to end and could not. */
export interface FailedCall {
  sid: string;
  /** Status when listed. */
  status: ActiveCallStatus;
  /** An `ErrorCode` of the error taxonomy, or `INTERRUPTED` when the time budget ran out mid-request. */
  code: string;
  message: string;
  signalwireCode?: number;
}

/** A call the policy names whose age could not be established: reported, never ended. */
export interface UnknownAgeCall {
  sid: string;
  status: ActiveCallStatus;
  reason: string;
}

/**
 * One run's summary. Counts are exact; the lists keep their first `maxListedCalls` entries.
 * `found = eligible + skipped.fresh + skipped.filtered + skipped.neverTouch + skipped.unknownAge`, and
 * `eligible = ended + alreadyEnded + stateChanged + failed + wouldEnd + circuitBreaker.eligibleBeyondCap`.
 */
export interface CleanupReport {
  scheduleName: string;
  accountSid: string;
  dryRun: boolean;
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
  /** List Calls pages received. */
  pagesRead: number;
  /** Calls listed in the states the policy cleans and examined by the run. */
  found: number;
  /** Examined calls the policy names that are older than it allows. */
  eligible: number;
  /** Calls SignalWire ended at this run's request. */
  ended: number;
  /** Calls that had ended by themselves between listing and ending: not failures. */
  alreadyEnded: number;
  /** Ringing or queued calls answered between listing and ending: SignalWire refused to cancel them. */
  stateChanged: number;
  /** Dry run: calls that would have been ended. */
  wouldEnd: number;
  /** Dry run: the first of them (up to `maxListedCalls`), so a dry run says which calls, not just how many. */
  wouldEndCalls: Array<{ sid: string; status: ActiveCallStatus; reason: string }>;
  skipped: { fresh: number; filtered: number; neverTouch: number; unknownAge: number };
  unknownAgeCalls: UnknownAgeCall[];
  failed: number;
  failedCalls: FailedCall[];
  /**
   * End requests SignalWire still throttled (429/503) after the client's own retries, and that were sent
   * again after the listing, once the rate limit had had time to clear. Each ends up counted as ended,
   * already ended, state changed or failed like any other.
   */
  retriedAfterThrottling: number;
  /** `tripped` once an eligible call was found with `cap` end requests already made. */
  circuitBreaker: { cap: number; tripped: boolean; eligibleBeyondCap: number };
  /** True when the run stopped before examining every listed call (time budget or a List Calls failure). */
  incomplete: boolean;
  /**
   * What the run did not reach; the next run re-lists and picks it up. `statuses`: states whose listing was
   * not finished (or not started); `listedCalls`: calls received but not examined.
   */
  notReached: { statuses: ActiveCallStatus[]; listedCalls: number };
  /** List Calls requests that failed after the client's retries, one per state at most. */
  listingFailures: Array<{ status: ActiveCallStatus; code: string; message: string }>;
}

/** A call the run acts on: its SID, the state it was listed in, and the rule that made it stale. */
interface Target {
  sid: string;
  status: ActiveCallStatus;
  rule: string;
}

/** In-progress calls are hung up; queued and ringing ones canceled, which SignalWire refuses once answered. */
const endStatusOf = (status: ActiveCallStatus): 'completed' | 'canceled' =>
  status === 'in-progress' ? 'completed' : 'canceled';

/**
 * Runs tasks at most `size` at a time. Tasks must not reject. A finished task hands its slot to the oldest
 * waiter directly, so waiting costs one promise per call, not a race over every task in flight.
 */
class TaskPool {
  #running = 0;
  readonly #waiters: Array<() => void> = [];
  readonly #idle: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Resolves once a task may start. */
  slot(): Promise<void> {
    if (this.#running + this.#waiters.length < this.size) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  start(task: () => Promise<void>): void {
    this.#running++;
    void task().finally(() => {
      this.#running--;
      this.#waiters.shift()?.();
      if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
    });
  }

  /** Resolves once no task is running. */
  drain(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}

/**
 * Throttled end requests are set aside and sent again once the listing is done, up to this many times per
 * call; at most this many calls wait at once (beyond that they fail as before), so memory stays bounded.
 */
const MAX_THROTTLED_RETRIES = 2;
const MAX_THROTTLED_WAITING = 5_000;
/** Pause before a throttled pass when SignalWire gave no `Retry-After`. */
const THROTTLED_PAUSE_MS = 1_000;
const THROTTLED_CODES = new Set(['UPSTREAM_RATE_LIMITED', 'UPSTREAM_UNAVAILABLE']);

/** setTimeout's largest delay; a longer budget (or none) needs no timer. */
const MAX_TIMER_MS = 2_147_483_647;

const INTERRUPTED_MESSAGE =
  'the time budget ran out before SignalWire answered; the call may or may not have ended, and the next run re-lists it';

const rangeCheck = (name: string, value: number, range: IntegerRange): number => {
  if (!inRange(range, value)) {
    throw new RangeError(`${name} must be an integer from ${range.min} to ${range.max}, got ${value}`);
  }
  return value;
};

const ruleOf = (status: ActiveCallStatus, verdict: Extract<Verdict, { kind: 'stale' }>): string =>
  `${status} for ${verdict.ageSeconds} s by ${verdict.basis}; the policy allows ${verdict.maxAgeSeconds} s`;

/**
 * Ends every call the policy names as stale, in the states it gives a maximum age, and reports what it did.
 *
 * For each state in turn (in-progress, ringing, queued) it lists every page (one page ahead, never all at
 * once) and judges each call on the client: allow-list, filters, then age. A stale call is ended with
 * `completed` (in-progress) or `canceled` (queued / ringing; SignalWire refuses to cancel a call that was
 * answered meanwhile, so a conversation that just started is never cut), at most `concurrency` at a time.
 * Each end request, or would-be end in a dry run, writes an audit record. Nothing per call is kept beyond
 * counters and the bounded lists of the report.
 *
 * Circuit breaker: at most `policy.maxCallsToEnd` end requests (whatever their outcome) or, in a dry run,
 * would-ends. Past that, nothing more is ended; listing goes on only to count `eligibleBeyondCap`.
 *
 * Time budget: no new page or call is started once `remainingTimeMs()` is under `timeMarginMs`; the report
 * says `incomplete` and what was not reached, which the next run picks up.
 *
 * Depends only on the `CallsApi` port. Never throws for a call or a listing that fails: those are reported.
 */
export const runCleanup = async (
  api: CallsApi,
  policy: CleanupPolicy,
  options: CleanupOptions,
): Promise<CleanupReport> => {
  const concurrency = rangeCheck(
    'concurrency',
    options.concurrency ?? CLEANUP_CONCURRENCY.default,
    CLEANUP_CONCURRENCY,
  );
  const pageSize = rangeCheck('pageSize', options.pageSize ?? 200, { min: 1, max: 1000, default: 200 });
  const timeMarginMs = rangeCheck(
    'timeMarginMs',
    options.timeMarginMs ?? CLEANUP_TIME_MARGIN_MS.default,
    // Below the deployed minimum too: a run without a Lambda deadline (tests, the CLI) may keep less.
    { ...CLEANUP_TIME_MARGIN_MS, min: 0 },
  );
  const maxListed = rangeCheck('maxListedCalls', options.maxListedCalls ?? 100, {
    min: 0,
    max: 10_000,
    default: 100,
  });
  const remainingTimeMs = options.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY);
  const startedMs = (options.now ?? Date.now)();
  const started = performance.now();
  const { scheduleName, accountSid, logger } = options;
  const actor = options.actor ?? scheduleActor(scheduleName, undefined, undefined);

  const report: CleanupReport = {
    scheduleName,
    accountSid,
    dryRun: policy.dryRun,
    startedAt: new Date(startedMs).toISOString(),
    durationMs: 0,
    pagesRead: 0,
    found: 0,
    eligible: 0,
    ended: 0,
    alreadyEnded: 0,
    stateChanged: 0,
    wouldEnd: 0,
    skipped: { fresh: 0, filtered: 0, neverTouch: 0, unknownAge: 0 },
    unknownAgeCalls: [],
    failed: 0,
    failedCalls: [],
    wouldEndCalls: [],
    retriedAfterThrottling: 0,
    circuitBreaker: { cap: policy.maxCallsToEnd, tripped: false, eligibleBeyondCap: 0 },
    incomplete: false,
    notReached: { statuses: [], listedCalls: 0 },
    listingFailures: [],
  };

  // Requests still in flight this close to the end are abandoned so the report is written in time.
  const hardStop = new AbortController();
  const hardStopInMs = remainingTimeMs() - timeMarginMs / 2;
  const timer =
    hardStopInMs < MAX_TIMER_MS
      ? setTimeout(() => hardStop.abort(new Error('time budget exhausted')), Math.max(0, hardStopInMs))
      : undefined;
  const outOfTime = (): boolean => hardStop.signal.aborted || remainingTimeMs() < timeMarginMs;
  const requestOptions = { signal: hardStop.signal };

  const judge = createCallJudge(policy, startedMs);
  const pool = new TaskPool(concurrency);
  let endRequests = 0;

  /** Each call's audit record, through the one builder every trigger uses. */
  const record = (target: Target, result: AuditedResult): void =>
    writeAuditRecord(
      logger,
      { trigger: options.trigger ?? 'schedule', actor },
      { accountSid, callSid: target.sid, change: { Status: endStatusOf(target.status) } },
      { ...result, priorStatus: target.status },
    );

  const fail = (target: Target, detail: { code: string; message: string; signalwireCode?: number }): void => {
    report.failed++;
    if (report.failedCalls.length < maxListed) {
      const { code, message, signalwireCode } = detail;
      report.failedCalls.push({
        sid: target.sid,
        status: target.status,
        code,
        message,
        ...(signalwireCode !== undefined ? { signalwireCode } : {}),
      });
    }
  };

  const pacer = new Pacer(
    1000 /
      rangeCheck(
        'maxEndsPerSecond',
        options.maxEndsPerSecond ?? CLEANUP_ENDS_PER_SECOND.default,
        CLEANUP_ENDS_PER_SECOND,
      ),
  );
  const throttled: Array<{ target: Target; retries: number }> = [];
  let throttledPauseMs = THROTTLED_PAUSE_MS;

  const end = async (target: Target, retries = 0): Promise<void> => {
    const { rule } = target;
    const status = endStatusOf(target.status);
    if (hardStop.signal.aborted) {
      // Stopped while waiting for its turn: nothing was sent.
      const message = 'the time budget ran out before this was sent; the next run lists it again';
      fail(target, { code: 'INTERRUPTED', message });
      record(target, { outcome: 'failed', reason: `${rule}; ${message}`, errorCode: 'INTERRUPTED' });
      return;
    }
    const outcome = await applyToProject(api, accountSid, {
      callSid: target.sid,
      action: { kind: 'terminate', status },
      ...requestOptions,
    });
    if (outcome.ok) {
      if (outcome.outcome === 'updated') report.ended++;
      else report.alreadyEnded++;
      record(target, auditedResultOf(outcome, rule));
    } else {
      if (hardStop.signal.aborted) {
        fail(target, { code: 'INTERRUPTED', message: INTERRUPTED_MESSAGE });
        record(target, {
          outcome: 'failed',
          reason: `${rule}; ${INTERRUPTED_MESSAGE}`,
          errorCode: 'INTERRUPTED',
        });
        return;
      }
      const described = outcome.error;
      const signalwireCode = described.signalwire?.code ?? undefined;
      const codes = {
        errorCode: described.code,
        ...(signalwireCode !== undefined ? { signalwireCode } : {}),
      };
      if (
        THROTTLED_CODES.has(described.code) &&
        retries < MAX_THROTTLED_RETRIES &&
        throttled.length < MAX_THROTTLED_WAITING
      ) {
        throttled.push({ target, retries: retries + 1 });
        throttledPauseMs = Math.max(throttledPauseMs, (described.retryAfterSeconds ?? 0) * 1000);
        return;
      }
      if (described.code === 'CALL_STATE_CONFLICT' && status === 'canceled') {
        report.stateChanged++;
        record(target, {
          outcome: 'rejected',
          reason: `${rule}; not canceled: it was answered after it was listed`,
          ...codes,
        });
        return;
      }
      fail(target, { code: described.code, message: described.message, ...codes });
      record(target, failureResult(described, rule));
    }
  };

  /** Judges and acts on one call; false when the time budget stops the run before it. */
  const examine = async (call: Call, status: ActiveCallStatus): Promise<boolean> => {
    const verdict = judge(call);
    const acts = verdict.kind === 'stale' && endRequests < policy.maxCallsToEnd;
    if (acts && !policy.dryRun) await pool.slot();
    if (outOfTime()) return false;
    report.found++;
    switch (verdict.kind) {
      case 'never-touch':
        report.skipped.neverTouch++;
        return true;
      case 'filtered':
        report.skipped.filtered++;
        return true;
      case 'fresh':
        report.skipped.fresh++;
        return true;
      case 'unknown-age':
        report.skipped.unknownAge++;
        if (report.unknownAgeCalls.length < maxListed) {
          report.unknownAgeCalls.push({ sid: call.sid, status, reason: verdict.reason });
        }
        return true;
      case 'stale':
        break;
    }
    report.eligible++;
    if (!acts) {
      report.circuitBreaker.tripped = true;
      report.circuitBreaker.eligibleBeyondCap++;
      return true;
    }
    endRequests++;
    // Only what the end request and its audit need is kept while it is in flight, not the whole call.
    const target: Target = { sid: call.sid, status, rule: ruleOf(status, verdict) };
    if (policy.dryRun) {
      report.wouldEnd++;
      if (report.wouldEndCalls.length < maxListed) {
        report.wouldEndCalls.push({ sid: target.sid, status, reason: target.rule });
      }
      record(target, { outcome: 'would-end', reason: `${target.rule}; dry run, not ended` });
    } else {
      await pacer.wait(hardStop.signal);
      pool.start(() => end(target));
    }
    return true;
  };

  /**
   * Sends throttled end requests again after a pause, while time allows. What time does not allow is
   * reported as failed with the throttling code, and the next run lists those calls again.
   */
  const retryThrottled = async (): Promise<void> => {
    while (throttled.length > 0) {
      const batch = throttled.splice(0);
      if (!outOfTime()) await pause(Math.min(throttledPauseMs, 10_000), hardStop.signal);
      throttledPauseMs = THROTTLED_PAUSE_MS;
      for (const { target, retries } of batch) {
        await pool.slot();
        if (outOfTime()) {
          const message = 'SignalWire kept throttling and the run ran out of time to send this again';
          fail(target, { code: 'UPSTREAM_RATE_LIMITED', message });
          record(target, {
            outcome: 'failed',
            reason: `${target.rule}; ${message}`,
            errorCode: 'UPSTREAM_RATE_LIMITED',
          });
          continue;
        }
        report.retriedAfterThrottling++;
        await pacer.wait(hardStop.signal);
        pool.start(() => end(target, retries));
      }
      await pool.drain();
    }
  };

  const states = CLEANED_STATES.filter(({ key }) => policy.maxAgeSeconds[key] !== undefined);
  try {
    for (const [index, { status }] of states.entries()) {
      const stop = (listedCalls: number): void => {
        report.incomplete = true;
        report.notReached.listedCalls += listedCalls;
        report.notReached.statuses.push(...states.slice(index).map((state) => state.status));
      };
      if (outOfTime()) {
        stop(0);
        break;
      }
      let stopped = false;
      try {
        pages: for await (const page of listCallPages(api, status, pageSize, requestOptions)) {
          report.pagesRead++;
          for (const [position, call] of page.calls.entries()) {
            // Trust the listing's filter no further than the call's own status: a call is judged once, in
            // the state it is in.
            if (call.status !== status) continue;
            if (!(await examine(call, status))) {
              stop(page.calls.length - position);
              stopped = true;
              break pages;
            }
          }
          if (page.next_page_uri && outOfTime()) {
            stop(0);
            stopped = true;
            break;
          }
        }
      } catch (error) {
        if (hardStop.signal.aborted) {
          stop(0);
          break;
        }
        const described = describeError(error);
        report.listingFailures.push({ status, code: described.code, message: described.message });
        report.incomplete = true;
        report.notReached.statuses.push(status);
        continue;
      }
      if (stopped) break;
    }
    await pool.drain();
    await retryThrottled();
  } finally {
    await pool.drain();
    clearTimeout(timer);
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
};

/** A run could not list every state it cleans; its report (already logged) says which and why. */
export class CleanupListingError extends Error {
  override readonly name = 'CleanupListingError';
  readonly report: CleanupReport;

  constructor(report: CleanupReport) {
    const failures = report.listingFailures.map(({ status, code }) => `${status} (${code})`).join(', ');
    super(`cleanup could not list every state: ${failures}; the rest of the run is in its report`);
    this.report = report;
  }
}
