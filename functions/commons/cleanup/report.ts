import type { CallApi } from '../calling/vocabulary.ts';
import type { AuditActor, AuditLog, AuditTrigger } from '../calls/audit.ts';
import {
  type AuditedResult,
  type AuditRecordFrame,
  auditRecordFrame,
  auditRecordJson,
  changeForAudit,
  failureResult,
  writeAuditJson,
} from '../calls/audit-record.ts';
import { auditedResultOf, type CallOutcome } from '../calls/service.ts';
import type { ErrorCode, ErrorDescription } from '../errors.ts';
import { cutUpstreamText } from '../signalwire/answers.ts';
import type { ActiveCallStatus } from '../signalwire/types.ts';

/**
 * What a failed end request or listing says of itself: the error taxonomy's code and words (e.g. "SignalWire
 * answered 502"), and why in SignalWire's words when its answer (or the client's own refusal of an answer) gave a
 * reason, scrubbed of credentials and cut like all upstream text.
 */
interface UpstreamFailure {
  /** The API that owns the call, or whose listing failed. */
  api: CallApi;
  /** Status when listed, or the status listed. */
  status: ActiveCallStatus;
  /** The error taxonomy's code; for a call, `INTERRUPTED` when the time budget ran out mid-request. */
  code: ErrorCode;
  message: string;
  signalwireCode?: number;
  signalwireMessage?: string;
}

/** A call the run tried to end and could not. */
export interface FailedCall extends UpstreamFailure {
  sid: string;
}

/** A call the policy names whose age could not be established: reported, never ended. */
export interface UnknownAgeCall {
  sid: string;
  api: CallApi;
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
  /** Voice-log pages received (native calls are found there; the pages hold every kind of call). */
  voiceLogPagesRead: number;
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
  wouldEndCalls: Array<{ sid: string; api: CallApi; status: ActiveCallStatus; reason: string }>;
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
   * What the run did not reach; the next run re-lists and picks it up. `statuses`: states whose List Calls
   * listing was not finished (or not started); `apis`: `calling` when the voice-log listing of native calls was
   * not finished; `listedCalls`: calls received but not examined.
   */
  notReached: { statuses: ActiveCallStatus[]; apis: CallApi[]; listedCalls: number };
  /**
   * Listings that failed after the client's retries: one per List Calls state at most (`compatibility`), and
   * the voice logs (`calling`, with `status` the first state the policy cleans there).
   */
  listingFailures: ListingFailure[];
}

/**
 * A listing that failed after the client's retries; its reason may also be the client's own refusal of an answer
 * (pages that lead back to one already read, a `links.next` outside the voice logs).
 */
export type ListingFailure = UpstreamFailure;

/** A call the run acts on: its SID and API, the state it was listed in, and the rule that made it stale. */
export interface Target {
  sid: string;
  api: CallApi;
  status: ActiveCallStatus;
  rule: string;
}

/**
 * How one call the run acted on was settled. `failed` carries either SignalWire's described answer or the
 * run's own reason (`INTERRUPTED`, throttled with no time left to resend).
 */
export type Settlement =
  | { kind: 'applied'; outcome: Extract<CallOutcome, { ok: true }> }
  | { kind: 'state-changed'; error: ErrorDescription }
  | { kind: 'failed'; error: ErrorDescription }
  | { kind: 'gave-up'; code: ErrorCode; message: string }
  | { kind: 'would-end' };

/** In-progress calls are hung up; queued and ringing ones canceled, which SignalWire refuses once answered. */
export const endStatusOf = (status: ActiveCallStatus): 'completed' | 'canceled' =>
  status === 'in-progress' ? 'completed' : 'canceled';

/** The action of an end request (calls/service.ts `applyToProject`), one for every call ended with that status. */
export const END_ACTIONS = {
  completed: Object.freeze({ kind: 'terminate', status: 'completed' }),
  canceled: Object.freeze({ kind: 'terminate', status: 'canceled' }),
} as const;

/** The change an end request's audit record holds, as its JSON (calls/audit-record.ts `changeForAudit`). */
const END_CHANGE_JSON = {
  completed: JSON.stringify(changeForAudit({ Status: 'completed' })),
  canceled: JSON.stringify(changeForAudit({ Status: 'canceled' })),
} as const;

/** Who the run's audit records name, and where they go. */
export interface RunAudit {
  logger: AuditLog;
  trigger: AuditTrigger;
  actor: AuditActor;
}

const signalwireCodeOf = (error: ErrorDescription): { signalwireCode?: number } =>
  error.signalwire?.code != null ? { signalwireCode: error.signalwire.code } : {};

/**
 * SignalWire's own reason for a failure, as the report may show it: a 502 says only "SignalWire answered 502",
 * the reason is in the upstream message. Scrubbed of credentials and cut (the client already did both when it
 * read the body; done again here so no path into the report depends on that), and left out when empty or when
 * the answer gave no reason (a gateway's HTML page: only "SignalWire answered HTTP 502", the taxonomy's words).
 */
export const signalwireMessageOf = ({ signalwire }: ErrorDescription): { signalwireMessage?: string } =>
  signalwire?.message.trim() && signalwire.message !== `SignalWire answered HTTP ${signalwire.status}`
    ? { signalwireMessage: cutUpstreamText(signalwire.message) }
    : {};

/**
 * The report of one run and the only writer of its per-call facts: {@link settle} counts a call and writes
 * its audit record together, so a counter and an audit line can never disagree.
 */
export class CleanupLedger {
  readonly report: CleanupReport;
  /** What every audit record of the run starts and ends with (who asked, the project): serialised once. */
  readonly #frame: AuditRecordFrame;

  constructor(
    head: Pick<CleanupReport, 'scheduleName' | 'accountSid' | 'dryRun' | 'startedAt'> & { cap: number },
    private readonly audit: RunAudit,
    private readonly maxListed: number,
  ) {
    const { cap, ...rest } = head;
    this.#frame = auditRecordFrame({ trigger: audit.trigger, actor: audit.actor }, head.accountSid);
    this.report = {
      ...rest,
      durationMs: 0,
      pagesRead: 0,
      voiceLogPagesRead: 0,
      found: 0,
      eligible: 0,
      ended: 0,
      alreadyEnded: 0,
      stateChanged: 0,
      wouldEnd: 0,
      wouldEndCalls: [],
      skipped: { fresh: 0, filtered: 0, neverTouch: 0, unknownAge: 0 },
      unknownAgeCalls: [],
      failed: 0,
      failedCalls: [],
      retriedAfterThrottling: 0,
      circuitBreaker: { cap, tripped: false, eligibleBeyondCap: 0 },
      incomplete: false,
      notReached: { statuses: [], apis: [], listedCalls: 0 },
      listingFailures: [],
    };
  }

  /** Pushes to one of the report's bounded lists. */
  #list<T>(list: T[], entry: T): void {
    if (list.length < this.maxListed) list.push(entry);
  }

  /** A call that could not be judged for want of a usable age. */
  unknownAge(entry: UnknownAgeCall): void {
    this.report.skipped.unknownAge++;
    this.#list(this.report.unknownAgeCalls, entry);
  }

  /** Settles one call the run acted on: its counter, its report entry and its audit record, once. */
  settle(target: Target, settlement: Settlement): void {
    const { report } = this;
    const { rule } = target;
    let result: AuditedResult;
    switch (settlement.kind) {
      case 'applied':
        if (settlement.outcome.outcome === 'updated') report.ended++;
        else report.alreadyEnded++;
        result = auditedResultOf(settlement.outcome, rule);
        break;
      case 'state-changed':
        report.stateChanged++;
        result = {
          outcome: 'rejected',
          reason: `${rule}; not canceled: it was answered after it was listed`,
          errorCode: settlement.error.code,
          ...signalwireCodeOf(settlement.error),
        };
        break;
      case 'failed': {
        const { code, message } = settlement.error;
        this.#fail(target, {
          code,
          message,
          ...signalwireCodeOf(settlement.error),
          ...signalwireMessageOf(settlement.error),
        });
        result = failureResult(settlement.error, rule);
        break;
      }
      case 'gave-up': {
        const { code, message } = settlement;
        this.#fail(target, { code, message });
        result = { outcome: 'failed', reason: `${rule}; ${message}`, errorCode: code };
        break;
      }
      case 'would-end':
        report.wouldEnd++;
        this.#list(report.wouldEndCalls, {
          sid: target.sid,
          api: target.api,
          status: target.status,
          reason: rule,
        });
        result = { outcome: 'would-end', reason: `${rule}; dry run, not ended` };
        break;
    }
    // Each branch made `result` for this call alone: completed in place, not copied (one object less per call).
    result.priorStatus = target.status;
    result.api = target.api;
    // One pre-serialised record per call: the frame made once, this call's fields, no record object.
    writeAuditJson(
      this.audit.logger,
      auditRecordJson(this.#frame, target.sid, END_CHANGE_JSON[endStatusOf(target.status)], result),
    );
  }

  #fail(target: Target, detail: Omit<FailedCall, 'sid' | 'api' | 'status'>): void {
    this.report.failed++;
    this.#list(this.report.failedCalls, {
      sid: target.sid,
      api: target.api,
      status: target.status,
      ...detail,
    });
  }
}

/** A run could not list every state it cleans; its report (already logged) says which and why. */
export class CleanupListingError extends Error {
  override readonly name = 'CleanupListingError';
  readonly report: CleanupReport;

  constructor(report: CleanupReport) {
    const failures = report.listingFailures
      .map(({ status, code, signalwireMessage }) =>
        signalwireMessage === undefined ? `${status} (${code})` : `${status} (${code}: ${signalwireMessage})`,
      )
      .join(', ');
    super(`cleanup could not list every state: ${failures}; the rest of the run is in its report`);
    this.report = report;
  }
}
