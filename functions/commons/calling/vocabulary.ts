/**
 * One vocabulary over both kinds of call: the native Calling API's and voice logs' statuses and directions
 * read in the Compatibility API's words, which the project's HTTP API, events, cleanup and CLI speak. The
 * mapping lives here only; the reverse (a filter's status to the native statuses it covers) is derived from it.
 */
import type { CallDirection, CallStatus } from '../signalwire/types.ts';
import { LIVE_VOICE_LOG_STATUSES } from './assumptions.ts';
import type { CallingStatus, VoiceLogDirection, VoiceLogStatus } from './types.ts';

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
