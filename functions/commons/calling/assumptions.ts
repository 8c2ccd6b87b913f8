/**
 * Every assumption about SignalWire's native Calling API and voice logs that SignalWire does not state
 * anywhere we could read (the reference notes mark them **unverified**), in one place. Each names what is
 * assumed and how to check it against a real space; the code that relies on one reads its value from here,
 * so correcting one is a change to this file (and to the tests that pin the behaviour it drives).
 * `UNVERIFIED_ASSUMPTIONS` lists them all for the README and a read-only probe.
 */

/** The voice-log `source` of calls the Calling API acts on (stated); every other source is not native. */
export const NATIVE_SOURCES = ['realtime_api'] as const;

/**
 * The voice-log `source` of Compatibility calls (stated). A transfer's owner is read from the voice log alone
 * when it shows one of these or a native source (`voice-logs-hold-both-kinds` below).
 */
export const COMPATIBILITY_SOURCES = ['laml'] as const;

/**
 * The voice-log statuses of a call that may still be live (queued, dialling, ringing or talking). The spec
 * lists the statuses but not which are final; `ending` is counted live (the call is not over yet).
 * Check: watch a call's voice log through its life (`GET /api/voice/logs/{id}`).
 */
export const LIVE_VOICE_LOG_STATUSES = [
  'queued',
  'initiated',
  'created',
  'ringing',
  'answered',
  'in-progress',
  'ending',
  'joined',
] as const;

/**
 * How far back the voice logs are read for live calls: a call older than the longest allowed call cannot
 * still be live. SignalWire's default maximum duration is 4 hours (stated); a space that raised
 * `max_duration` needs a longer window. 15 minutes of slack cover a call queued before it was dialled.
 */
export const LIVE_CALL_WINDOW_SECONDS = 4 * 3600 + 15 * 60;

/**
 * The voice-log event that marks a native call answered; its `event_at` is the answer time. A voice log itself
 * carries only `created_at` (no start or answer time), and the events' names are not published beyond the
 * example `calling_call_initiated`, so this one is named by analogy. The cleanup judges an answered call's age
 * by it, as it judges a Compatibility call's by `start_time`: without that event the age is unknown and the call
 * is never ended (a wrong name here makes the cleanup spare answered calls, never cut one short).
 * Check: `GET /api/voice/logs/{id}/events` of an answered test call.
 */
export const ANSWERED_EVENT_NAME = 'calling_call_answered';

/**
 * `created_after` / `created_before` take an ISO 8601 instant (the spec says only "string"). Check: list with
 * `created_after=<ISO instant>` and compare the entries' `created_at`.
 */
export const formatVoiceLogTime = (date: Date): string => date.toISOString();

/**
 * `calling.end` reaches a call that has not connected yet (queued or ringing) and cancels it; the project ends
 * a runaway campaign's queued calls with it (`reason: cancel`), since the published `update` schema requires a
 * `url` or `swml` beside `status: canceled`. Check: `calling.end` on a queued outbound call of a test space.
 */
export const END_REASON_FOR_LIVE_CALL = 'hangup' as const;
export const END_REASON_FOR_UNCONNECTED_CALL = 'cancel' as const;

/**
 * A command on a call that has already ended is refused with 422 (the spec says only that such a call "cannot
 * be updated"); a 404 is read the same way when the voice log shows the call ended. The service then reads
 * the voice log and reports `already-ended`. Check: `calling.end` twice on a test call.
 */
export const ENDED_CALL_REFUSAL_STATUSES: readonly number[] = [404, 422];

/** One unverified assumption: what is assumed, and how to check it against a real space. */
export interface UnverifiedAssumption {
  name: string;
  assumed: string;
  check: string;
}

/**
 * Every assumption, for the README and a read-only probe; no function reads it. Built by a call marked free of
 * side effects, so that a bundle leaves the list out: its texts join the values above, and a bundler keeps a
 * constant built with a call (all this text, in each function) unless told the call can go.
 */
export const UNVERIFIED_ASSUMPTIONS: readonly UnverifiedAssumption[] = /* @__PURE__ */ (() => [
  {
    name: 'voice-log-id-is-call-id',
    assumed:
      "A voice log's id is the call id the Calling API takes (the spec calls it the RELAY segment ID).",
    check:
      'List the voice logs of a space with a live SWML call, then calling.end with that id: a 404 disproves it.',
  },
  {
    name: 'compatibility-cannot-see-native-calls',
    assumed:
      'Compatibility Retrieve/Update/List Calls cannot see a realtime_api call: Update a Call answers 404 (code 20404) for one and changes nothing, so a change naming no API is sent to the Compatibility API first and goes on to the native API only after that 404.',
    check:
      "Retrieve a Call (Compatibility) with a native call's id: a 404 confirms it; then, on a test call only, Update a Call with its id and a Url: a 404 and an unchanged call confirm the update side.",
  },
  {
    name: 'voice-logs-hold-both-kinds',
    assumed:
      "The voice logs list Compatibility calls too, with source laml, so one voice-log read tells a transfer's owner; a call without a voice log falls back to the Compatibility read, so a wrong guess costs one read, never a wrong change.",
    check: "GET /api/voice/logs/{id} with a live Compatibility call's SID: a laml entry confirms it.",
  },
  {
    name: 'live-voice-log-statuses',
    assumed: `A voice log in one of ${LIVE_VOICE_LOG_STATUSES.join(', ')} may still be live; every other status is final.`,
    check: "Watch a test call's GET /api/voice/logs/{id} through its life.",
  },
  {
    name: 'live-call-window',
    assumed: `No native call lives longer than ${LIVE_CALL_WINDOW_SECONDS} s (4 h default maximum duration plus queueing slack).`,
    check: "Compare the space's SWML max_duration settings with the window.",
  },
  {
    name: 'answered-event-name',
    assumed: `A native call's answer is the voice-log event named ${ANSWERED_EVENT_NAME}; its event_at is the answer time.`,
    check: 'GET /api/voice/logs/{id}/events of an answered test call.',
  },
  {
    name: 'event-log-id-is-voice-log-id',
    assumed:
      "Each voice-log event's log_id is the id of the voice log whose events were asked for; an event naming another is refused as another call's, so a wrong guess leaves every answered native call of unknown age (the cleanup spares it and its report says so), never another call's answer time.",
    check:
      "GET /api/voice/logs/{id}/events of a live SWML test call and compare each event's log_id with {id}.",
  },
  {
    name: 'voice-log-time-format',
    assumed: 'created_after / created_before take an ISO 8601 instant.',
    check: "List with created_after=<ISO instant> and compare the entries' created_at.",
  },
  {
    name: 'end-cancels-unconnected-call',
    assumed: 'calling.end (reason cancel) cancels a queued or ringing call.',
    check: 'calling.end on a queued outbound call of a test space, then read its voice log.',
  },
  {
    name: 'ended-call-refusal',
    assumed: `A command on an ended call is refused with HTTP ${ENDED_CALL_REFUSAL_STATUSES.join(' or ')}.`,
    check: 'calling.end twice on a test call.',
  },
  {
    name: 'transfer-needs-answered-call',
    assumed: 'calling.transfer applies only to an answered call (the emulator enforces it).',
    check: 'calling.transfer on a ringing test call.',
  },
  {
    name: 'undocumented-error-body',
    assumed:
      'Answers the Calling API does not document (429, 502, 503, 504) carry { "error": "<reason phrase>" }.',
    check: 'Exceed the POST budget of a test project and read the 429 body.',
  },
  {
    name: 'next-link-on-space-origin',
    assumed:
      "links.next of a voice-log page is a URL on the space's origin (absolute, or relative to it); the reader refuses any other, or an empty one, as the page is read.",
    check: 'List the voice logs with page_size=1 and read links.next.',
  },
  {
    name: 'native-status-callback-payload',
    assumed:
      "A native call's status_url / call_state_url POSTs the CallState payload (project_id, params.call_id, params.call_state), signed as SignalWire's SDKs verify JSON webhooks: hex HMAC-SHA1 over the URL and the raw body (status-callbacks/native-callback.ts cites them).",
    check: "Point a test call's status_url at the webhook and compare the body and signature it receives.",
  },
])();
