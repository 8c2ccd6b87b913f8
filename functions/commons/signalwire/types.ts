/**
 * Types of SignalWire's Compatibility API Calls resource, written from the facts of SignalWire's
 * OpenAPI document (field names, nullability, enums). The runtime schemas in `schemas.ts` describe
 * the same shapes; `test/unit/signalwire-schemas.test.ts` keeps the two in step.
 */

export const CALL_STATUSES = [
  'queued',
  'ringing',
  'in-progress',
  'canceled',
  'completed',
  'busy',
  'failed',
  'no-answer',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** States in which a call is still alive; every other state is final. */
export const ACTIVE_CALL_STATUSES = [
  'queued',
  'ringing',
  'in-progress',
] as const satisfies readonly CallStatus[];
export type ActiveCallStatus = (typeof ACTIVE_CALL_STATUSES)[number];

export const isFinalStatus = (status: CallStatus): boolean =>
  !(ACTIVE_CALL_STATUSES as readonly CallStatus[]).includes(status);

/** The OpenAPI enum lists inbound/outbound; status callbacks also carry the Twilio-style outbound kinds. */
export const CALL_DIRECTIONS = ['inbound', 'outbound', 'outbound-api', 'outbound-dial'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** The directions SignalWire's published Call schema lists: what its Call resource says of a call. */
export const CALL_RESOURCE_DIRECTIONS = ['inbound', 'outbound'] as const satisfies readonly CallDirection[];
export type CallResourceDirection = (typeof CALL_RESOURCE_DIRECTIONS)[number];

/**
 * The directions a cleanup policy's `directions` entry matches. `outbound` is the family: SignalWire's Call
 * resource says `outbound`, and the Twilio-style kinds `outbound-api` (created through the API) and
 * `outbound-dial` (a `<Dial>` leg) are outbound calls too. A kind matches only itself: a policy written for
 * API calls never ends dialed legs, nor a call SignalWire reports only as `outbound`.
 */
export const DIRECTION_MATCHES: Readonly<Record<CallDirection, readonly CallDirection[]>> = {
  inbound: ['inbound'],
  outbound: ['outbound', 'outbound-api', 'outbound-dial'],
  'outbound-api': ['outbound-api'],
  'outbound-dial': ['outbound-dial'],
};

export const HTTP_METHODS = ['GET', 'POST'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const UPDATE_STATUSES = ['canceled', 'completed'] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

/** The Call resource, with every field of the endpoint's reference page. */
export interface Call {
  sid: string;
  account_sid: string;
  date_created: string;
  date_updated: string;
  parent_call_sid: string | null;
  to: string;
  formatted_to: string;
  to_formatted: string;
  from: string;
  formatted_from: string;
  from_formatted: string;
  phone_number_sid: string | null;
  status: CallStatus;
  start_time: string | null;
  end_time: string | null;
  duration: number;
  price: number | null;
  price_unit: string;
  direction: CallDirection;
  answered_by: 'human' | 'machine' | null;
  api_version: string;
  forwarded_from: string | null;
  caller_name: string | null;
  uri: string;
  subresource_uris: { notifications: string | null; recordings: string };
  annotation: string | null;
  group_sid: string | null;
  audio_in_mos: number | null;
  sip_result_code: string | null;
  audio_rtt_avg: number | null;
  audio_rtt_min: number | null;
  audio_rtt_max: number | null;
  audio_out_jitter_min: number | null;
  audio_out_jitter_max: number | null;
  audio_out_jitter_avg: number | null;
  audio_out_lost: number | null;
}

/** The seven fields of Update a Call, spelled as SignalWire spells them. */
export interface CallUpdate {
  Url?: string;
  Method?: HttpMethod;
  Status?: UpdateStatus;
  FallbackUrl?: string;
  FallbackMethod?: HttpMethod;
  StatusCallback?: string;
  StatusCallbackMethod?: HttpMethod;
}

export const CALL_UPDATE_FIELDS = [
  'Url',
  'Method',
  'Status',
  'FallbackUrl',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackMethod',
] as const satisfies readonly (keyof CallUpdate)[];

/** Filters of List Calls, spelled as SignalWire's query parameters. */
export interface ListCallsFilter {
  Status?: CallStatus;
  To?: string;
  From?: string;
  ParentCallSid?: string;
  StartTime?: string;
  'StartTime<'?: string;
  'StartTime>'?: string;
  EndTime?: string;
  'EndTime<'?: string;
  'EndTime>'?: string;
  PageSize?: number;
}

export const LIST_CALLS_FILTERS = [
  'Status',
  'To',
  'From',
  'ParentCallSid',
  'StartTime',
  'StartTime<',
  'StartTime>',
  'EndTime',
  'EndTime<',
  'EndTime>',
  'PageSize',
] as const satisfies readonly (keyof ListCallsFilter)[];

/** One page of List Calls. */
export interface CallListPage {
  calls: Call[];
  uri: string;
  first_page_uri: string;
  next_page_uri: string | null;
  previous_page_uri: string | null;
  page: number;
  page_size: number;
}

/**
 * A call as this project answers it, of either API: the Call resource, whose `status` is null for a native call
 * whose status SignalWire did not give (a command's answer may carry `null`) or gave in a word this project does
 * not know. Such a call is shown as of unknown status: never as queued, never as ended.
 */
export type CallView = Omit<Call, 'status'> & { status: CallStatus | null };
