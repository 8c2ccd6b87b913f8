import type { AuditActor, AuditLog, AuditTrigger } from '../calls/audit.ts';
import { scheduleActor } from '../calls/audit-actors.ts';
import type { CallsApi } from '../calls/port.ts';
import { applyToProject } from '../calls/service.ts';
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
import { CleanupLedger, type CleanupReport, endStatusOf, type Target } from './report.ts';
import { TaskPool } from './task-pool.ts';

export type { CleanupReport, FailedCall, UnknownAgeCall } from './report.ts';

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

/** The run's bounds, checked once before anything starts. */
interface RunBounds {
  concurrency: number;
  pageSize: number;
  timeMarginMs: number;
  maxListed: number;
  endIntervalMs: number;
}

const boundsOf = (options: CleanupOptions): RunBounds => ({
  concurrency: rangeCheck(
    'concurrency',
    options.concurrency ?? CLEANUP_CONCURRENCY.default,
    CLEANUP_CONCURRENCY,
  ),
  pageSize: rangeCheck('pageSize', options.pageSize ?? 200, { min: 1, max: 1000, default: 200 }),
  timeMarginMs: rangeCheck(
    'timeMarginMs',
    options.timeMarginMs ?? CLEANUP_TIME_MARGIN_MS.default,
    // Below the deployed minimum too: a run without a Lambda deadline (tests, the CLI) may keep less.
    { ...CLEANUP_TIME_MARGIN_MS, min: 0 },
  ),
  maxListed: rangeCheck('maxListedCalls', options.maxListedCalls ?? 100, {
    min: 0,
    max: 10_000,
    default: 100,
  }),
  endIntervalMs:
    1000 /
    rangeCheck(
      'maxEndsPerSecond',
      options.maxEndsPerSecond ?? CLEANUP_ENDS_PER_SECOND.default,
      CLEANUP_ENDS_PER_SECOND,
    ),
});

/** One cleanup run: its clock, its budget, its pool and pacer, and the ledger every call is settled in. */
class CleanupRun {
  readonly #ledger: CleanupLedger;
  readonly #report: CleanupReport;
  readonly #judge: (call: Call) => Verdict;
  readonly #pool: TaskPool;
  readonly #pacer: Pacer;
  readonly #remainingTimeMs: () => number;
  /** Requests still in flight this close to the end are abandoned so the report is written in time. */
  readonly #hardStop = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #throttled: Array<{ target: Target; retries: number }> = [];
  #throttledPauseMs = THROTTLED_PAUSE_MS;
  #endRequests = 0;

  constructor(
    private readonly api: CallsApi,
    private readonly policy: CleanupPolicy,
    private readonly bounds: RunBounds,
    options: CleanupOptions,
  ) {
    const startedMs = (options.now ?? Date.now)();
    this.#ledger = new CleanupLedger(
      {
        scheduleName: options.scheduleName,
        accountSid: options.accountSid,
        dryRun: policy.dryRun,
        startedAt: new Date(startedMs).toISOString(),
        cap: policy.maxCallsToEnd,
      },
      {
        logger: options.logger,
        trigger: options.trigger ?? 'schedule',
        actor: options.actor ?? scheduleActor(options.scheduleName, undefined, undefined),
      },
      bounds.maxListed,
    );
    this.#report = this.#ledger.report;
    this.#judge = createCallJudge(policy, startedMs);
    this.#pool = new TaskPool(bounds.concurrency);
    this.#pacer = new Pacer(bounds.endIntervalMs);
    // Stryker disable next-line ArrowFunction: equivalent, `undefined` time left compares like no budget (never under)
    this.#remainingTimeMs = options.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY);
    const hardStopInMs = this.#remainingTimeMs() - bounds.timeMarginMs / 2;
    this.#timer =
      // Stryker disable next-line EqualityOperator: equivalent, a timer 24.8 days away never fires in a run
      hardStopInMs < MAX_TIMER_MS
        ? setTimeout(
            // Stryker disable next-line StringLiteral: equivalent, an end cut by the hard stop is reported as INTERRUPTED whatever the reason
            () => this.#hardStop.abort(new Error('time budget exhausted')),
            Math.max(0, hardStopInMs),
          )
        : undefined;
  }

  #outOfTime(): boolean {
    return this.#hardStop.signal.aborted || this.#remainingTimeMs() < this.bounds.timeMarginMs;
  }

  /** Lists each state the policy cleans in turn, then resends what SignalWire throttled. */
  async run(): Promise<CleanupReport> {
    const started = performance.now();
    const states = CLEANED_STATES.filter(({ key }) => this.policy.maxAgeSeconds[key] !== undefined);
    try {
      for (const [index, { status }] of states.entries()) {
        const stop = (listedCalls: number): void => {
          this.#report.incomplete = true;
          this.#report.notReached.listedCalls += listedCalls;
          this.#report.notReached.statuses.push(...states.slice(index).map((state) => state.status));
        };
        if (this.#outOfTime()) {
          stop(0);
          break;
        }
        if (!(await this.#sweep(status, stop))) break;
      }
      await this.#pool.drain();
      await this.#retryThrottled();
    } finally {
      await this.#pool.drain();
      // Stryker disable next-line CallExpression: equivalent, the hard stop firing after the run aborts nothing
      clearTimeout(this.#timer);
    }
    this.#report.durationMs = Math.round(performance.now() - started);
    return this.#report;
  }

  /**
   * Lists one state's calls page by page and examines each. False when the time budget stopped the run
   * (`stop` has said what was not reached); a listing failure is reported and the run goes on to the next state.
   */
  async #sweep(status: ActiveCallStatus, stop: (listedCalls: number) => void): Promise<boolean> {
    const { api, bounds } = this;
    try {
      for await (const page of listCallPages(api, status, bounds.pageSize, {
        signal: this.#hardStop.signal,
      })) {
        this.#report.pagesRead++;
        for (const [position, call] of page.calls.entries()) {
          // Trust the listing's filter no further than the call's own status: a call is judged once, in the
          // state it is in.
          if (call.status !== status) continue;
          if (!(await this.#examine(call, status))) {
            stop(page.calls.length - position);
            return false;
          }
        }
        if (page.next_page_uri && this.#outOfTime()) {
          stop(0);
          return false;
        }
      }
    } catch (error) {
      if (this.#hardStop.signal.aborted) {
        stop(0);
        return false;
      }
      // A listing failure, never an update's: SignalWire's 10000 here is a refused value, not a call's state.
      const described = describeError(error, { operation: 'list' });
      this.#report.listingFailures.push({ status, code: described.code, message: described.message });
      this.#report.incomplete = true;
      this.#report.notReached.statuses.push(status);
    }
    return true;
  }

  /** Judges and acts on one call; false when the time budget stops the run before it. */
  async #examine(call: Call, status: ActiveCallStatus): Promise<boolean> {
    const { policy } = this;
    const report = this.#report;
    const verdict = this.#judge(call);
    const acts = verdict.kind === 'stale' && this.#endRequests < policy.maxCallsToEnd;
    if (acts && !policy.dryRun) await this.#pool.slot();
    if (this.#outOfTime()) return false;
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
        this.#ledger.unknownAge({ sid: call.sid, status, reason: verdict.reason });
        return true;
      // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, a stale verdict leaves the switch either way
      case 'stale':
        break;
    }
    report.eligible++;
    if (!acts) {
      report.circuitBreaker.tripped = true;
      report.circuitBreaker.eligibleBeyondCap++;
      return true;
    }
    this.#endRequests++;
    // Only what the end request and its audit need is kept while it is in flight, not the whole call.
    const target: Target = { sid: call.sid, status, rule: ruleOf(status, verdict) };
    if (policy.dryRun) {
      this.#ledger.settle(target, { kind: 'would-end' });
    } else {
      await this.#pacer.wait(this.#hardStop.signal);
      this.#pool.start(() => this.#end(target));
    }
    return true;
  }

  /** Sends one end request and settles the call, or sets it aside when SignalWire throttled it. */
  async #end(target: Target, retries = 0): Promise<void> {
    if (this.#hardStop.signal.aborted) {
      // Stopped while waiting for its turn: nothing was sent.
      const message = 'the time budget ran out before this was sent; the next run lists it again';
      this.#ledger.settle(target, { kind: 'gave-up', code: 'INTERRUPTED', message });
      return;
    }
    const status = endStatusOf(target.status);
    const outcome = await applyToProject(this.api, this.#report.accountSid, {
      callSid: target.sid,
      action: { kind: 'terminate', status },
      signal: this.#hardStop.signal,
    });
    if (outcome.ok) {
      this.#ledger.settle(target, { kind: 'applied', outcome });
      return;
    }
    if (this.#hardStop.signal.aborted) {
      this.#ledger.settle(target, { kind: 'gave-up', code: 'INTERRUPTED', message: INTERRUPTED_MESSAGE });
      return;
    }
    const { error } = outcome;
    if (
      THROTTLED_CODES.has(error.code) &&
      retries < MAX_THROTTLED_RETRIES &&
      this.#throttled.length < MAX_THROTTLED_WAITING
    ) {
      this.#throttled.push({ target, retries: retries + 1 });
      this.#throttledPauseMs = Math.max(this.#throttledPauseMs, (error.retryAfterSeconds ?? 0) * 1000);
      return;
    }
    const answeredMeanwhile = error.code === 'CALL_STATE_CONFLICT' && status === 'canceled';
    this.#ledger.settle(target, { kind: answeredMeanwhile ? 'state-changed' : 'failed', error });
  }

  /**
   * Sends throttled end requests again after a pause, while time allows. What time does not allow is
   * reported as failed with the throttling code, and the next run lists those calls again.
   */
  async #retryThrottled(): Promise<void> {
    while (this.#throttled.length > 0) {
      const batch = this.#throttled.splice(0);
      if (!this.#outOfTime()) await pause(Math.min(this.#throttledPauseMs, 10_000), this.#hardStop.signal);
      this.#throttledPauseMs = THROTTLED_PAUSE_MS;
      for (const { target, retries } of batch) {
        await this.#pool.slot();
        if (this.#outOfTime()) {
          const message = 'SignalWire kept throttling and the run ran out of time to send this again';
          this.#ledger.settle(target, { kind: 'gave-up', code: 'UPSTREAM_RATE_LIMITED', message });
          continue;
        }
        this.#report.retriedAfterThrottling++;
        await this.#pacer.wait(this.#hardStop.signal);
        this.#pool.start(() => this.#end(target, retries));
      }
      await this.#pool.drain();
    }
  }
}

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
): Promise<CleanupReport> => new CleanupRun(api, policy, boundsOf(options), options).run();

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
