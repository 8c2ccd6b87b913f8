import type { Call } from '#commons/signalwire/types';

export const PROJECT_ID = '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d';
export const CALL_SID = 'b3877c40-da60-4998-90ad-b792e98472ca';

/** A complete Call resource, every field of the reference page present. */
export const sampleCall = (overrides: Partial<Call> = {}): Call => ({
  sid: CALL_SID,
  account_sid: PROJECT_ID,
  date_created: 'Wed, 19 Sep 2018 20:00:00 +0000',
  date_updated: 'Wed, 19 Sep 2018 21:00:00 +0000',
  parent_call_sid: null,
  to: '+13105678901',
  formatted_to: '(310) 567-8901',
  to_formatted: '(310) 567-8901',
  from: '+13103384645',
  formatted_from: '(310) 338-4645',
  from_formatted: '(310) 338-4645',
  phone_number_sid: null,
  status: 'in-progress',
  start_time: 'Wed, 19 Sep 2018 20:00:01 +0000',
  end_time: null,
  duration: 0,
  price: null,
  price_unit: 'USD',
  direction: 'outbound',
  answered_by: null,
  api_version: '2010-04-01',
  forwarded_from: null,
  caller_name: null,
  uri: `/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls/${CALL_SID}.json`,
  subresource_uris: {
    notifications: null,
    recordings: `/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls/${CALL_SID}/Recordings.json`,
  },
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
  ...overrides,
});
