/**
 * Types of SignalWire's native Calling API (`POST /api/calling/calls`) and of the voice logs
 * (`GET /api/voice/logs`), written from the facts of SignalWire's published OpenAPI document (the `Calling.*`
 * and `Voice.*` components). The runtime schemas in `schemas.ts` describe the same shapes and reuse these
 * enum arrays; `test/unit/calling-schemas.test.ts` keeps the two in step.
 */

/** `Calling.CallResponseStatus`: a native call's status as the Calling API answers it. */
export const CALLING_STATUSES = [
  'queued',
  'initiated',
  'created',
  'ringing',
  'answered',
  'ending',
  'ended',
  'failed',
  'canceled',
  'completed',
] as const;
export type CallingStatus = (typeof CALLING_STATUSES)[number];

/** `Voice.VoiceLogStatus`: the statuses a voice log entry may carry (both APIs' vocabularies mixed). */
export const VOICE_LOG_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'busy',
  'failed',
  'no-answer',
  'canceled',
  'completed',
  'ended',
  'answered',
  'created',
  'ending',
  'joined',
] as const;
export type VoiceLogStatus = (typeof VOICE_LOG_STATUSES)[number];

/** `Calling.CallDirection`. */
export const CALLING_DIRECTIONS = ['inbound', 'outbound', 'outbound-api'] as const;
export type CallingDirection = (typeof CALLING_DIRECTIONS)[number];

/** `Voice.VoiceDirection`. */
export const VOICE_LOG_DIRECTIONS = ['inbound', 'outbound', 'outbound-api', 'outbound-dial'] as const;
export type VoiceLogDirection = (typeof VOICE_LOG_DIRECTIONS)[number];

/** `Voice.VoiceSources`: which platform created the call. */
export const VOICE_SOURCES = ['dialogflow', 'laml', 'realtime_api'] as const;
export type VoiceSource = (typeof VOICE_SOURCES)[number];

/** The `type` of a native call leg (`Calling.CallLeg`). */
export const CALL_LEG_TYPES = ['relay_pstn_call', 'relay_sip_call', 'relay_webrtc_call'] as const;
export type CallLegType = (typeof CALL_LEG_TYPES)[number];

/** `Voice.RelayVoiceType`: the call-log types (`laml_call` is a Compatibility call). */
export const RELAY_VOICE_TYPES = ['laml_call', ...CALL_LEG_TYPES] as const;
export type RelayVoiceType = (typeof RELAY_VOICE_TYPES)[number];

/** `Calling.HangupReason`. */
export const HANGUP_REASONS = ['hangup', 'cancel', 'busy', 'noAnswer', 'decline', 'error'] as const;
export type HangupReason = (typeof HANGUP_REASONS)[number];

/** The `status` an `update` may set. */
export const CALLING_UPDATE_STATUSES = ['canceled', 'completed'] as const;
export type CallingUpdateStatus = (typeof CALLING_UPDATE_STATUSES)[number];

export interface ChargeDetail {
  description: string;
  charge: number;
}

/** `Calling.CallLeg`: what every command on a standard (PSTN, SIP, WebRTC) native call answers. */
export interface CallingCall {
  id: string;
  from: string;
  to: string;
  direction: CallingDirection;
  source: 'realtime_api';
  url: string | null;
  charge: number;
  created_at: string;
  charge_details: ChargeDetail[];
  status: CallingStatus | null;
  duration: number | null;
  duration_ms: number | null;
  billing_ms: number | null;
  type: CallLegType;
  parent_id: string | null;
}

/** `Voice.RelayVoiceLog`: a call's entry in the voice logs (a Compatibility call's too, as `laml_call`). */
export interface VoiceLog {
  id: string;
  from: string;
  to: string;
  source: VoiceSource;
  charge: number;
  charge_details: ChargeDetail[];
  created_at: string;
  type: RelayVoiceType;
  url: string | null;
  direction: VoiceLogDirection;
  status: VoiceLogStatus;
  duration: number | null;
  duration_ms: number | null;
  billing_ms: number | null;
  parent_id: string | null;
}

/**
 * An entry of a voice-log page. Besides call logs, a page may hold entries of other types (video-room legs,
 * Dialogflow and Fabric logs, discarded logs); the reader keeps only call logs and passes over the rest.
 */
export type VoiceLogEntry = VoiceLog | { id: string; created_at: string; type?: string };

/** `Voice.LogListResponse`. */
export interface VoiceLogPage {
  links: { self: string; first: string; next?: string; prev?: string };
  data: VoiceLogEntry[];
}

/** `Voice.LogEvent`: one event of a call's voice log (`GET /api/voice/logs/{id}/events`). */
export interface VoiceLogEvent {
  event_at: string;
  level: 'info' | 'warn' | 'error' | 'debug';
  name: string;
  details: Record<string, unknown>;
  project_id: string;
  log_id: string;
}

/** `Voice.LogEventsListResponse`. */
export interface VoiceLogEvents {
  data: VoiceLogEvent[];
}

/** The filters of List voice logs this project sends (`page_number` and `include_deleted` it never needs). */
export interface VoiceLogQuery {
  created_after?: string;
  created_before?: string;
  created_on?: string;
  page_size?: number;
}

/** `Calling.CallHangupRequest`. */
export interface EndCommand {
  command: 'calling.end';
  id: string;
  params: { reason?: HangupReason };
}

/** The `params` of `update`: `id` sits inside them for this command only. */
export interface UpdateParams {
  id: string;
  url?: string;
  swml?: Record<string, unknown>;
  fallback_url?: string;
  status?: CallingUpdateStatus;
  status_url?: string;
}

/** `Calling.CallUpdateCurrentCallRequest`. */
export interface UpdateCommand {
  command: 'update';
  params: UpdateParams;
}

/** `Calling.CallTransferRequest`. */
export interface TransferCommand {
  command: 'calling.transfer';
  id: string;
  params: { dest: string | Record<string, unknown> };
}

export type CallingCommand = EndCommand | UpdateCommand | TransferCommand;

/** One item of the `errors[]` of a 422 (`Types.StatusCodes.RestApiErrorItem`). */
export interface RestApiErrorItem {
  type: string;
  code: string;
  message: string;
  attribute?: string | null;
  url: string;
}
