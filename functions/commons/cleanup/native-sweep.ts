/**
 * The cleanup's native side: how native calls (SWML, RELAY, AI agents: the Calling API owns them) are found,
 * judged and ended, by the same policy rules as Compatibility calls.
 *
 * 1. Found through the voice logs, which have no status filter: every page created after the window's start
 *    (see {@link nativeWindowStart}) is read and filtered here to native calls that may still be live
 *    (`calling/vocabulary.ts`, `calling/assumptions.ts`).
 * 2. Judged in the Compatibility words (`nativeCallView`): `to`, `from`, direction, the allow-list (the call's
 *    id, `parent_id`, `to`, `from`) and the age rule mean the same. A queued or ringing call's age counts from
 *    `created_at` (Compatibility: `date_created`). An answered call's age counts from its answer, as a
 *    Compatibility call's from `start_time`; a voice log carries no answer time, so it is read from the call's
 *    voice-log events (`ANSWERED_EVENT_NAME`), and only for a call already stale by `created_at` (created before
 *    it was answered, so that age is the longest it can be). No answer event: the age is unknown, never ended.
 * 3. Ended with `calling.end`: `hangup` for an answered call, `cancel` for a queued or ringing one. Before a
 *    cancel, the call's voice log is read again: one answered since it was listed is not cut (SignalWire's
 *    native API states no refusal to cancel an answered call, unlike the Compatibility API).
 */
import { ANSWERED_EVENT_NAME, LIVE_CALL_WINDOW_SECONDS } from '../calling/assumptions.ts';
import { isIsoInstant, isLiveNativeCall } from '../calling/client.ts';
import type { VoiceLog, VoiceLogEvents, VoiceLogPage } from '../calling/types.ts';
import { isLiveNativeStatus, nativeCallView, nativeStatusOf } from '../calling/vocabulary.ts';
import { applyToNativeCall } from '../calls/native-calls.ts';
import type { NativeCallsApi, RequestOptions } from '../calls/port.ts';
import type { CallOutcome } from '../calls/service.ts';
import { describeError } from '../errors.ts';
import type { ActiveCallStatus, CallView } from '../signalwire/types.ts';
import { circularPages, createCallJudge, type Verdict } from './find-stale.ts';
import { CLEANED_STATES, type CleanupPolicy } from './policy.ts';

/**
 * Voice-log entries per page: SignalWire's largest. The pages hold every call of the window, of both kinds and
 * live or not, and only the live native ones are kept, so fewer, fuller pages cost the fewest round trips.
 */
export const VOICE_LOG_PAGE_SIZE = 1000;

/** Slack past a policy age longer than the live-call window, so a call over that age is still read. */
const WINDOW_SLACK_SECONDS = 15 * 60;

/**
 * The start of the voice-log window (`created_after`). A native call older than the live-call window cannot
 * still be live (`LIVE_CALL_WINDOW_SECONDS`); a policy whose longest age is beyond it says the space runs longer
 * calls, so the window then reaches back to that age plus 15 minutes.
 */
export const nativeWindowStart = (policy: CleanupPolicy, nowMs: number): Date => {
  const longest = Math.max(0, ...Object.values(policy.maxAgeSeconds).filter((age) => age !== undefined));
  return new Date(nowMs - Math.max(LIVE_CALL_WINDOW_SECONDS, longest + WINDOW_SLACK_SECONDS) * 1000);
};

/** The state a live native call is cleaned in (the Compatibility word), or undefined when the policy skips it. */
export const cleanedStateOf = (log: VoiceLog, policy: CleanupPolicy): ActiveCallStatus | undefined => {
  const status = nativeStatusOf(log.status);
  const state = CLEANED_STATES.find((cleaned) => cleaned.status === status);
  return state && policy.maxAgeSeconds[state.key] !== undefined ? state.status : undefined;
};

/**
 * Every page of voice logs created after `createdAfter`, one at a time, as the live native calls on it. A call
 * listed again (the list is newest first, so a call created while it is read can push one onto the next page; the
 * spec does not say whether `page_token` is a cursor) is yielded once: judged, counted and ended once, and one
 * call never spends two of the circuit breaker's `maxCallsToEnd`.
 */
export async function* liveNativePages(
  api: NativeCallsApi,
  createdAfter: Date,
  pageSize: number,
  options: RequestOptions,
): AsyncGenerator<{ calls: VoiceLog[]; more: boolean }, void, undefined> {
  let page: VoiceLogPage = await api.listVoiceLogsPage(
    { created_after: createdAfter.toISOString(), page_size: pageSize },
    options,
  );
  const seen = new Set<string>();
  const firstListing = (log: VoiceLog): boolean => {
    const id = log.id.toLowerCase();
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  };
  // A page link followed twice leads round in a circle: the listing would never end, so it stops, said so.
  const followed = new Set<string>();
  for (;;) {
    const { next } = page.links;
    yield { calls: page.data.filter(isLiveNativeCall).filter(firstListing), more: next !== undefined };
    if (next === undefined) return;
    if (followed.has(next)) throw circularPages('links.next', 'voice-log');
    followed.add(next);
    page = await api.listVoiceLogsPage({ next }, options);
  }
}

const rfc2822 = (iso: string): string => new Date(iso).toUTCString().replace('GMT', '+0000');

/** What a native call's verdict was reached by, for the report's rule. */
export type NativeBasis = 'created_at' | 'answered event';

/**
 * An answered native call's view with its answer time as `start_time`, read from its voice-log events (see the
 * module comment, step 2), so an age rule reads it as it reads a Compatibility call's; or why the age is
 * unknown (the events could not be read, or hold no answer event with a time).
 */
export const withAnswerTime = async (
  api: NativeCallsApi,
  view: CallView,
  options: RequestOptions,
): Promise<{ call: CallView } | { unknownAge: string }> => {
  let events: VoiceLogEvents;
  try {
    events = await api.voiceLogEvents(view.sid, options);
  } catch (error) {
    const { code } = describeError(error, { operation: 'list' });
    return { unknownAge: `in-progress native call whose voice-log events could not be read (${code})` };
  }
  // Only an ISO 8601 instant counts (`Date.parse` also reads "0" or "2001" as a year: an age of decades). Of
  // several answer events (a call answered again, events listed in any order), the latest; and never earlier
  // than the call's creation. Each choice makes the call younger, never older: a doubt spares it.
  const answeredAt = events.data
    .filter((event) => event.name === ANSWERED_EVENT_NAME && isIsoInstant(event.event_at))
    .map((event) => Date.parse(event.event_at));
  if (answeredAt.length === 0) {
    return { unknownAge: `in-progress native call without a ${ANSWERED_EVENT_NAME} event` };
  }
  const createdAt = Date.parse(view.date_created ?? '');
  const startMs = Math.max(...answeredAt, Number.isNaN(createdAt) ? 0 : createdAt);
  return { call: { ...view, start_time: rfc2822(new Date(startMs).toISOString()) } };
};

/**
 * A native call's view aged by its creation: an upper bound of an answered call's age (a call is created
 * before it is answered), so a call this does not make old enough needs no read of its events.
 */
export const agedByCreation = (view: CallView): CallView => ({ ...view, start_time: view.date_created });

/**
 * Judges a native call with the Compatibility judge (see the module comment, step 2); reads the call's events
 * only when its `created_at` already makes it stale and it was answered.
 */
export const createNativeJudge =
  (judge: (call: CallView) => Verdict, api: NativeCallsApi) =>
  async (log: VoiceLog, options: RequestOptions): Promise<{ verdict: Verdict; basis: NativeBasis }> => {
    const view = nativeCallView(log, api.projectId);
    const byCreation = judge(agedByCreation(view));
    if (view.status !== 'in-progress' || byCreation.kind !== 'stale') {
      return { verdict: byCreation, basis: 'created_at' };
    }
    const answered = await withAnswerTime(api, view, options);
    const verdict: Verdict =
      'unknownAge' in answered ? { kind: 'unknown-age', reason: answered.unknownAge } : judge(answered.call);
    return { verdict, basis: 'answered event' };
  };

/**
 * Ends one native call (`calling.end`; idempotent: an ended call is `already-ended`). A queued or ringing one
 * is read again first, and one answered since it was listed is answered with CALL_STATE_CONFLICT, not cut.
 */
export const endNativeCall = async (
  api: NativeCallsApi,
  target: { sid: string; status: ActiveCallStatus },
  signal: AbortSignal,
): Promise<CallOutcome> => {
  const accountSid = api.projectId;
  const callSid = target.sid;
  if (target.status !== 'in-progress') {
    let log: VoiceLog;
    try {
      log = await api.getVoiceLog(callSid, { signal });
    } catch (error) {
      return {
        ok: false,
        accountSid,
        callSid,
        error: describeError(error, { redirect: false }),
        cause: error,
      };
    }
    const now = nativeStatusOf(log.status);
    if (now === null) {
      // Neither queued nor ended as far as SignalWire said: not canceled, not counted as ended; the next run
      // lists it again.
      const message = `the call's voice log gives no status known here (${String(log.status)}); it is not canceled`;
      const error = { code: 'UPSTREAM_ERROR' as const, httpStatus: 502, message, retryable: true };
      return { ok: false, accountSid, callSid, error, cause: undefined };
    }
    if (!isLiveNativeStatus(log.status)) {
      const call = nativeCallView(log, accountSid);
      return { ok: true, accountSid, callSid, call, outcome: 'already-ended', api: 'calling' };
    }
    if (now === 'in-progress') {
      const message = `the call was answered after it was listed (${log.status}); it is not canceled`;
      const error = { code: 'CALL_STATE_CONFLICT' as const, httpStatus: 409, message, retryable: false };
      return { ok: false, accountSid, callSid, error, cause: undefined };
    }
  }
  const status = target.status === 'in-progress' ? 'completed' : 'canceled';
  return applyToNativeCall(api, { callSid, action: { kind: 'terminate', status }, signal });
};

/**
 * The native calls a run with this policy would end now, in the Compatibility Call's shape: the CLI's preview
 * before `cleanup --apply`, judged by the same window, states and rules as the run.
 */
export const findStaleNative = async (
  api: NativeCallsApi,
  policy: CleanupPolicy,
  nowMs: number,
  options: RequestOptions = {},
): Promise<CallView[]> => {
  const judge = createNativeJudge(createCallJudge(policy, nowMs), api);
  const stale: CallView[] = [];
  for await (const page of liveNativePages(
    api,
    nativeWindowStart(policy, nowMs),
    VOICE_LOG_PAGE_SIZE,
    options,
  )) {
    for (const log of page.calls) {
      if (cleanedStateOf(log, policy) === undefined) continue;
      if ((await judge(log, options)).verdict.kind === 'stale')
        stale.push(nativeCallView(log, api.projectId));
    }
  }
  return stale;
};
