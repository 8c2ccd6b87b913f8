/**
 * One vocabulary over both kinds of call: the native Calling API's and voice logs' statuses and directions
 * read in the Compatibility API's words, which the project's HTTP API, events, cleanup and CLI speak. The
 * mapping lives here only; the reverse (a filter's status to the native statuses it covers) is derived from it.
 */
import type { CallApi } from '../calls/result.ts';

export { CALL_APIS, type CallApi } from '../calls/result.ts';

import type { Call, CallDirection, CallStatus, CallView } from '../signalwire/types.ts';
import { LIVE_VOICE_LOG_STATUSES } from './assumptions.ts';
import type { CallingCall, CallingStatus, VoiceLog, VoiceLogDirection, VoiceLogStatus } from './types.ts';

/**
 * A native status in the Compatibility vocabulary. `initiated` and `created` are a call set up but not yet
 * ringing (Compatibility `queued`); `answered`, `ending` and `joined` are a connected call (`in-progress`);
 * `ended` is a call that connected and hung up (`completed`).
 */
export const STATUS_OF_NATIVE: Readonly<Record<CallingStatus | VoiceLogStatus, CallStatus>> = {
  queued: 'queued',
  initiated: 'queued',
  created: 'queued',
  ringing: 'ringing',
  answered: 'in-progress',
  'in-progress': 'in-progress',
  ending: 'in-progress',
  joined: 'in-progress',
  ended: 'completed',
  completed: 'completed',
  canceled: 'canceled',
  failed: 'failed',
  busy: 'busy',
  'no-answer': 'no-answer',
};

/**
 * A native status in the Compatibility vocabulary, or null when SignalWire gave none (the spec allows `null` in a
 * command's answer, and a Fabric device leg's is always null) or one this project does not know: never a guess.
 */
export const nativeStatusOf = (status: unknown): CallStatus | null =>
  typeof status === 'string' && Object.hasOwn(STATUS_OF_NATIVE, status)
    ? STATUS_OF_NATIVE[status as keyof typeof STATUS_OF_NATIVE]
    : null;

/** The native statuses a Compatibility status covers (a list filter's `status` over voice logs). */
export const nativeStatusesFor = (status: CallStatus): VoiceLogStatus[] =>
  (Object.keys(STATUS_OF_NATIVE) as VoiceLogStatus[]).filter((native) => STATUS_OF_NATIVE[native] === status);

/** Directions need no translation: the voice logs' four are the Compatibility API's four. */
export const directionOfNative = (direction: VoiceLogDirection): CallDirection => direction;

/** Whether a native call in this status may still be live (an assumption: `assumptions.ts`). */
export const isLiveNativeStatus = (status: VoiceLogStatus | CallingStatus | null): boolean =>
  status !== null && (LIVE_VOICE_LOG_STATUSES as readonly string[]).includes(status);

/** A native call not yet connected: ended with `cancel` rather than `hangup`. */
export const isUnconnectedNativeStatus = (status: VoiceLogStatus | CallingStatus | null): boolean =>
  status !== null && ['queued', 'initiated', 'created', 'ringing'].includes(status);

/** The `api_version` of a native call's view (the Compatibility API writes its own version there). */
const NATIVE_API_VERSION = 'calling';

/** The API that owns a call as the service answers it: a native call's view says `api_version: calling`. */
export const apiOfCall = (call: Pick<Call, 'api_version'>): CallApi =>
  call.api_version === NATIVE_API_VERSION ? 'calling' : 'compatibility';

/** A field SignalWire should have given as text, or `''` when it did not. */
const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

/** RFC 2822 in GMT, as the Compatibility API writes its dates. */
const rfc2822 = (iso: string): string => new Date(iso).toUTCString().replace('GMT', '+0000');

/**
 * A native call (a command's answer or its voice log) in the Compatibility Call's shape, so every trigger
 * reads one kind of call: the status and direction in the Compatibility words, `sid` the native id,
 * `price` the charge (negative, as the Compatibility API writes a cost), and `uri` the call's voice log.
 * Fields the native API has no counterpart for are null (or 0 for `duration` while the call is live).
 * `status` is null when SignalWire did not say (`nativeStatusOf`): such a call is neither live nor ended here,
 * and carries no `price` (its charge may not be final). Only `id`, `status` and `created_at` of an answer are
 * checked (`client.ts`), so the rest is read by type here: `to`, `from` and `direction` are `''` when SignalWire
 * did not give them as text (a thin answer whose voice log could not be read), as the Call's published schema
 * wants text there, and `parent_call_sid` null unless text.
 */
export const nativeCallView = (call: CallingCall | VoiceLog, projectId: string): CallView => {
  const status = nativeStatusOf(call.status);
  const ended = status !== null && !isLiveNativeStatus(call.status);
  const created = rfc2822(call.created_at);
  const to = textOf(call.to);
  const from = textOf(call.from);
  return {
    sid: call.id,
    account_sid: projectId,
    date_created: created,
    date_updated: created,
    parent_call_sid: typeof call.parent_id === 'string' ? call.parent_id : null,
    to,
    formatted_to: to,
    to_formatted: to,
    from,
    formatted_from: from,
    from_formatted: from,
    phone_number_sid: null,
    status,
    start_time: null,
    end_time: null,
    // A thin or garbled answer (`calling/client.ts`) never shows NaN or a string where a number goes.
    duration: Number.isInteger(call.duration) ? (call.duration as number) : 0,
    price: ended && Number.isFinite(call.charge) ? -call.charge : null,
    price_unit: 'USD',
    direction: textOf(call.direction) as CallDirection,
    answered_by: null,
    api_version: NATIVE_API_VERSION,
    forwarded_from: null,
    caller_name: null,
    uri: `/api/voice/logs/${call.id}`,
    subresource_uris: { notifications: null, recordings: `/api/voice/logs/${call.id}/events` },
    annotation: null,
    group_sid: null,
    audio_in_mos: null,
    sip_result_code: null,
    audio_rtt_avg: null,
    audio_rtt_min: null,
    audio_rtt_max: null,
    audio_out_jitter_min: null,
    audio_out_jitter_max: null,
    audio_out_jitter_avg: null,
    audio_out_lost: null,
  };
};
