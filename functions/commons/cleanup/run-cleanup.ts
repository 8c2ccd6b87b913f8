import type { CallApi } from '../calling/vocabulary.ts';
import { scheduleActor } from '../calls/audit-actors.ts';
import type { CallsApi, NativeCallsApi } from '../calls/port.ts';
import { applyToProject } from '../calls/service.ts';
import { callKey } from '../calls/unique-calls.ts';
import { describeError } from '../errors.ts';
import type { ActiveCallStatus } from '../signalwire/types.ts';
import { createCallJudge, type ListedCall, listCallPages, type Verdict } from './find-stale.ts';
import {
  cleanedStateOf,
  createNativeJudge,
  endNativeCall,
  liveNativePages,
  type NativeBasis,
  nativeWindowStart,
  VOICE_LOG_PAGE_SIZE,
} from './native-sweep.ts';
import { Pacer, pause } from './pacer.ts';
import { CLEANED_STATES, type CleanupPolicy } from './policy.ts';
import {
  CleanupLedger,
  type CleanupReport,
  END_ACTIONS,
  endStatusOf,
  type ListingFailure,
  signalwireMessageOf,
  type Target,
} from './report.ts';
import { boundsOf, type CleanupOptions, type RunBounds } from './run-options.ts';
import { TaskPool } from './task-pool.ts';

export { agedByCreation, findStaleNative, withAnswerTime } from './native-sweep.ts';
export type { CleanupReport, FailedCall, ListingFailure, UnknownAgeCall } from './report.ts';
export { CleanupListingError } from './report.ts';
export type { CleanupOptions } from './run-options.ts';

/**
 * What the report says of a failed listing: the taxonomy's code and message, and SignalWire's code and message
 * when there is one: a 502 says only "SignalWire answered 502", while why (an error body's text, pages leading
 * back to one already read, a bad `links.next`) is in the upstream message. A listing failure, never an update's:
 * SignalWire's 10000 here is a refused value, not a call's state.
 */
const listingFailure = (api: CallApi, status: ActiveCallStatus, error: unknown): ListingFailure => {
  const described = describeError(error, { operation: 'list' });
  const { code, message, signalwire } = described;
  return {
    api,
    status,
    code,
    message,
    ...(signalwire?.code != null ? { signalwireCode: signalwire.code } : {}),
    ...signalwireMessageOf(described),
  };
};

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

const ruleOf = (
  status: ActiveCallStatus,
  verdict: Extract<Verdict, { kind: 'stale' }>,
  basis: string = verdict.basis,
): string =>
  `${status} for ${verdict.ageSeconds} s by ${basis}; the policy allows ${verdict.maxAgeSeconds} s`;

/** A native verdict's basis in the rule: the voice log's `created_at`, or the answer event's `event_at`. */
const NATIVE_BASIS_WORDS: Readonly<Record<NativeBasis, string>> = {
  created_at: 'created_at',
  'answered event': 'the answer event (event_at)',
};

/** One cleanup run: its clock, its budget, its pool and pacer, and the ledger every call is settled in. */
class CleanupRun {
  readonly #ledger: CleanupLedger;
  readonly #report: CleanupReport;
  readonly #judge: ReturnType<typeof createCallJudge>;
  readonly #startedMs: number;
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
    private readonly native: NativeCallsApi | undefined,
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
    this.#startedMs = startedMs;
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

  /**
   * Lists each state the policy cleans in turn (Compatibility calls), then the voice logs (native calls), then
   * resends what SignalWire throttled.
   */
  async run(): Promise<CleanupReport> {
    const started = performance.now();
    const covers = (api: CallApi) => this.policy.apis.includes(api);
    const states = covers('compatibility')
      ? CLEANED_STATES.filter(({ key }) => this.policy.maxAgeSeconds[key] !== undefined)
      : [];
    try {
      let onTime = true;
      for (const [index, { status }] of states.entries()) {
        const stop = (listedCalls: number): void => {
          this.#report.incomplete = true;
          this.#report.notReached.listedCalls += listedCalls;
          this.#report.notReached.statuses.push(...states.slice(index).map((state) => state.status));
        };
        if (this.#outOfTime()) {
          stop(0);
          onTime = false;
          break;
        }
        if (!(await this.#sweep(status, stop))) {
          onTime = false;
          break;
        }
      }
      if (covers('calling') && this.native !== undefined) {
        if (onTime && !this.#outOfTime()) await this.#sweepNative(this.native);
        else this.#stopNative(0);
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
    // A call listed again (List Calls' pages may shift between reads: `calls/unique-calls.ts`) was judged, counted
    // and acted on at its first listing; it never spends two of the circuit breaker's `maxCallsToEnd`.
    const listed = new Set<string>();
    try {
      for await (const page of listCallPages(api, status, bounds.pageSize, {
        signal: this.#hardStop.signal,
      })) {
        this.#report.pagesRead++;
        const { calls } = page;
        // An index, not `entries()`: no iterator and no [index, call] pair for every listed call. Each call is
        // dropped from the run's copy of the list as it is taken (find-stale.ts `listedCalls`).
        for (let position = 0; position < calls.length; position++) {
          const call = calls[position] as ListedCall;
          calls[position] = undefined;
          // Trust the listing's filter no further than the call's own status: a call is judged once, in the
          // state it is in.
          if (call.status !== status) continue;
          // One key per call and one lookup: `add` grows the set only when the key is new.
          const key = callKey(call);
          const before = listed.size;
          if (listed.add(key).size === before) continue;
          const verdict = this.#judge(call);
          // Awaited only when the pool is full and the call is to be ended: a free slot costs no promise.
          if (this.#waitsForSlot(verdict)) await this.#pool.slot();
          const next = this.#examine(verdict, call.sid, 'compatibility', undefined, status);
          if (next === false) {
            stop(calls.length - position);
            return false;
          }
          if (next === true) continue;
          // Its turn of the pacer, then its end request (no promise of the run's own per call).
          await this.#pacer.wait(this.#hardStop.signal);
          this.#pool.start(() => this.#end(next));
        }
        if (page.nextPageUri && this.#outOfTime()) {
          stop(0);
          return false;
        }
      }
    } catch (error) {
      if (this.#hardStop.signal.aborted) {
        stop(0);
        return false;
      }
      this.#report.listingFailures.push(listingFailure('compatibility', status, error));
      this.#report.incomplete = true;
      this.#report.notReached.statuses.push(status);
    }
    return true;
  }

  /** The native listing was not finished: the next run reads the voice logs again. */
  #stopNative(listedCalls: number): void {
    this.#report.incomplete = true;
    this.#report.notReached.listedCalls += listedCalls;
    this.#report.notReached.apis.push('calling');
  }

  /**
   * Reads the voice logs inside the policy's window and examines each live native call in a state the policy
   * cleans (`native-sweep.ts`). A listing failure is reported; the run goes on to resend what was throttled.
   */
  async #sweepNative(native: NativeCallsApi): Promise<void> {
    const signal = this.#hardStop.signal;
    const judge = createNativeJudge(this.#judge, native);
    const createdAfter = nativeWindowStart(this.policy, this.#startedMs);
    try {
      for await (const page of liveNativePages(native, createdAfter, VOICE_LOG_PAGE_SIZE, { signal })) {
        this.#report.voiceLogPagesRead++;
        for (const [position, log] of page.calls.entries()) {
          const status = cleanedStateOf(log, this.policy);
          if (status === undefined) continue;
          const { verdict, basis } = await judge(log, { signal });
          if (this.#waitsForSlot(verdict)) await this.#pool.slot();
          const next = this.#examine(verdict, log.id, 'calling', NATIVE_BASIS_WORDS[basis], status);
          if (next === false) {
            this.#stopNative(page.calls.length - position);
            return;
          }
          if (next === true) continue;
          await this.#pacer.wait(signal);
          this.#pool.start(() => this.#end(next));
        }
        if (page.more && this.#outOfTime()) {
          this.#stopNative(0);
          return;
        }
      }
    } catch (error) {
      if (signal.aborted) {
        this.#stopNative(0);
        return;
      }
      const first = CLEANED_STATES.find(({ key }) => this.policy.maxAgeSeconds[key] !== undefined);
      this.#report.listingFailures.push(listingFailure('calling', first?.status ?? 'in-progress', error));
      this.#stopNative(0);
    }
  }

  /** Whether this call is to be ended now and must first wait for a free slot of the pool. */
  #waitsForSlot(verdict: Verdict): boolean {
    return (
      verdict.kind === 'stale' &&
      this.#endRequests < this.policy.maxCallsToEnd &&
      !this.policy.dryRun &&
      this.#pool.full
    );
  }

  /**
   * Judges and acts on one call, the pool's slot already taken when it is to be ended (#waitsForSlot): false when
   * the time budget stops the run before it, true when the call is settled (counted, or a dry run's would-end), or
   * its target when it is to be ended, which the caller starts at its turn of the pacer. No promise:
   * most listed calls need none.
   */
  #examine(
    verdict: Verdict,
    sid: string,
    api: CallApi,
    basis: string | undefined,
    status: ActiveCallStatus,
  ): boolean | Target {
    const { policy } = this;
    const report = this.#report;
    const acts = verdict.kind === 'stale' && this.#endRequests < policy.maxCallsToEnd;
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
        this.#ledger.unknownAge({ sid, api, status, reason: verdict.reason });
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
    const target: Target = { sid, api, status, rule: ruleOf(status, verdict, basis) };
    if (!policy.dryRun) return target;
    this.#ledger.settle(target, { kind: 'would-end' });
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
    const outcome =
      target.api === 'calling' && this.native !== undefined
        ? await endNativeCall(this.native, target, this.#hardStop.signal)
        : await applyToProject(this.api, this.#report.accountSid, {
            callSid: target.sid,
            action: END_ACTIONS[status],
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
): Promise<CleanupReport> => {
  if (policy.apis.includes('calling') && options.native === undefined) {
    throw new TypeError("runCleanup: the policy covers native calls ('calling') but no native API was given");
  }
  return new CleanupRun(api, options.native, policy, boundsOf(options), options).run();
};
