/**
 * Refusals of a native change that the Calling API would not give itself: what the voice log shows decides them
 * (`native-calls.ts` applies them).
 */
import { ENDED_CALL_REFUSAL_STATUSES, NATIVE_SOURCES } from '../calling/assumptions.ts';
import type { VoiceLog } from '../calling/types.ts';
import { isLiveNativeStatus, nativeStatusOf, STATUS_OF_NATIVE } from '../calling/vocabulary.ts';
import { describeError, type ErrorDescription, SignalWireError } from '../errors.ts';
import type { NativeCallsApi, RequestOptions } from './port.ts';

/**
 * The Calling API's 404 for a call its voice log shows live: the unverified assumption `voice-log-id-is-call-id`
 * (`calling/assumptions.ts`) may be wrong, which the operator must see rather than a plain "no such call".
 */
export const idMismatch = (status: string | null): SignalWireError =>
  new SignalWireError(502, {
    code: undefined,
    message: `The Calling API answered 404 for a call whose voice log shows it live (${status}): either the call ended a moment ago and its voice log has not caught up (retry to see), or the voice-log id is not the id the Calling API takes (unverified assumption voice-log-id-is-call-id); nothing was changed`,
    moreInfo: undefined,
  });

/**
 * `Status: canceled` cancels a call not yet connected and never hangs up a connected one (the Compatibility API
 * refuses it with 409; `calling.end` would end the call whatever its reason): the voice log is read first and a
 * connected native call is CALL_STATE_CONFLICT, nothing sent. A call answered between that read and the
 * `calling.end` is still ended (the Calling API has no conditional end).
 *
 * The read is advisory: only a log that shows the call answered refuses. A log that cannot be read (not written
 * yet for a call just dialled, the logs API failing) lets the cancel go on as `calling.end`, as it did before the
 * check, rather than stranding a backlog of queued calls behind the logs API.
 *
 * `known` is the voice log this request has just read (to tell which API owns the call): it is read once.
 */
export const cancelConflict = async (
  api: NativeCallsApi,
  callSid: string,
  options: RequestOptions,
  known?: VoiceLog,
): Promise<ErrorDescription | undefined> => {
  const log = known ?? (await api.getVoiceLog(callSid, options).catch(() => undefined));
  if (
    log === undefined ||
    !(NATIVE_SOURCES as readonly string[]).includes(log.source) ||
    !isLiveNativeStatus(log.status) ||
    log.status === null
  )
    return undefined;
  if (STATUS_OF_NATIVE[log.status] !== 'in-progress') return undefined;
  return {
    code: 'CALL_STATE_CONFLICT',
    httpStatus: 409,
    message: `Status canceled applies only to a queued or ringing call; this one is ${log.status}: use completed to hang up`,
    retryable: false,
  };
};

/**
 * A redirect or transfer the Calling API refused because the call has ended (the refusal
 * `ENDED_CALL_REFUSAL_STATUSES` names, a call that ended between the operator's read and the command), confirmed
 * by its voice log: CALL_STATE_CONFLICT, as the Compatibility API answers a redirect of an ended call, rather than
 * a bare upstream 422. Anything else (the log unreadable, live, of unknown status) leaves the refusal as it was.
 */
export const endedCallRefusal = async (
  api: NativeCallsApi,
  callSid: string,
  refusal: unknown,
  options: RequestOptions,
): Promise<ErrorDescription | undefined> => {
  if (!(refusal instanceof SignalWireError) || !ENDED_CALL_REFUSAL_STATUSES.includes(refusal.status)) {
    return undefined;
  }
  const log = await api.getVoiceLog(callSid, options).catch(() => undefined);
  const status = log && nativeStatusOf(log.status);
  if (
    !log ||
    !(NATIVE_SOURCES as readonly string[]).includes(log.source) ||
    !status ||
    isLiveNativeStatus(log.status)
  )
    return undefined;
  const { signalwire } = describeError(refusal, { redirect: true });
  return {
    code: 'CALL_STATE_CONFLICT',
    httpStatus: 409,
    message: `the call has already ended (${status}); nothing was changed`,
    retryable: false,
    ...(signalwire ? { signalwire } : {}),
  };
};
