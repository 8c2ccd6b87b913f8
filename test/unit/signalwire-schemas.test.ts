import type { ValidateFunction } from 'ajv/dist/2020.js';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  callListPageSchema,
  callSchema,
  errorArrayResponseSchema,
  errorResponseSchema,
  listCallsQuerySchema,
  updateCallFormSchema,
} from '#commons/signalwire/schemas';
import type { Call } from '#commons/signalwire/types';

// Strict mode is what scripts/compile-validators.ts compiles with, so the schemas must pass it.
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validateCall = ajv.compile(callSchema);
const validatePage = ajv.compile(callListPageSchema);
const validateError = ajv.compile(errorResponseSchema);
const validateErrorArray = ajv.compile(errorArrayResponseSchema);
const validateUpdateForm = ajv.compile(updateCallFormSchema);
const validateListQuery = ajv.compile(listCallsQuerySchema);

const ACCOUNT = '5f4e8a1c-0b7d-4c62-9a3e-2d1f6b8c7e90';
const SID = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';

const sampleCall = (): Call => ({
  sid: SID,
  account_sid: ACCOUNT,
  date_created: 'Tue, 04 Mar 2025 10:00:00 +0000',
  date_updated: 'Tue, 04 Mar 2025 10:05:03 +0000',
  parent_call_sid: null,
  to: '+13105550142',
  formatted_to: '(310) 555-0142',
  to_formatted: '(310) 555-0142',
  from: '+14155550100',
  formatted_from: '(415) 555-0100',
  from_formatted: '(415) 555-0100',
  phone_number_sid: '0e6f4d2a-7b1c-4f3e-9d8a-6c5b4a3f2e1d',
  status: 'completed',
  start_time: 'Tue, 04 Mar 2025 10:00:03 +0000',
  end_time: 'Tue, 04 Mar 2025 10:05:03 +0000',
  duration: 300,
  price: -0.0325,
  price_unit: 'USD',
  direction: 'outbound',
  answered_by: null,
  api_version: '2010-04-01',
  forwarded_from: null,
  caller_name: null,
  uri: `/api/laml/2010-04-01/Accounts/${ACCOUNT}/Calls/${SID}.json`,
  subresource_uris: {
    notifications: null,
    recordings: `/api/laml/2010-04-01/Accounts/${ACCOUNT}/Calls/${SID}/Recordings.json`,
  },
  annotation: null,
  group_sid: null,
  audio_in_mos: 4.3,
  sip_result_code: '200',
  audio_rtt_avg: 48,
  audio_rtt_min: 21,
  audio_rtt_max: 97,
  audio_out_jitter_min: 0,
  audio_out_jitter_max: 9,
  audio_out_jitter_avg: 3,
  audio_out_lost: 0,
});

/** One entry per field of `Call`: the compiler rejects this literal if a field is added to or removed from the type. */
const CALL_KEYS: Record<keyof Call, true> = {
  sid: true,
  account_sid: true,
  date_created: true,
  date_updated: true,
  parent_call_sid: true,
  to: true,
  formatted_to: true,
  to_formatted: true,
  from: true,
  formatted_from: true,
  from_formatted: true,
  phone_number_sid: true,
  status: true,
  start_time: true,
  end_time: true,
  duration: true,
  price: true,
  price_unit: true,
  direction: true,
  answered_by: true,
  api_version: true,
  forwarded_from: true,
  caller_name: true,
  uri: true,
  subresource_uris: true,
  annotation: true,
  group_sid: true,
  audio_in_mos: true,
  sip_result_code: true,
  audio_rtt_avg: true,
  audio_rtt_min: true,
  audio_rtt_max: true,
  audio_out_jitter_min: true,
  audio_out_jitter_max: true,
  audio_out_jitter_avg: true,
  audio_out_lost: true,
};

type RequiredCallField = (typeof callSchema.required)[number];
/** `true` only when the schema's required list and `keyof Call` are the same set; otherwise this does not compile. */
const requiredMatchesCallType: [
  Exclude<keyof Call, RequiredCallField>,
  Exclude<RequiredCallField, keyof Call>,
] extends [never, never]
  ? true
  : false = true;

const errorsOf = (validate: ValidateFunction): string[] =>
  (validate.errors ?? []).map((error) => `${error.instancePath} ${error.keyword}`);

describe('callSchema', () => {
  it('accepts a complete Call', () => {
    // Act
    const valid = validateCall(sampleCall());

    // Assess
    expect(errorsOf(validateCall)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('requires exactly the fields of the Call type', () => {
    // Assess
    expect(requiredMatchesCallType).toBe(true);
    expect([...callSchema.required].sort()).toEqual(Object.keys(CALL_KEYS).sort());
    expect(Object.keys(callSchema.properties).sort()).toEqual(Object.keys(CALL_KEYS).sort());
  });

  it.each(Object.keys(CALL_KEYS))('rejects a Call without %s', (field) => {
    // Prepare
    const call: Record<string, unknown> = { ...sampleCall() };
    delete call[field];

    // Act
    const valid = validateCall(call);

    // Assess
    expect(valid).toBe(false);
    expect(validateCall.errors?.[0]).toMatchObject({
      keyword: 'required',
      params: { missingProperty: field },
    });
  });

  it('rejects a property the resource does not define', () => {
    // Act
    const valid = validateCall({ ...sampleCall(), queue_time: 0 });

    // Assess
    expect(valid).toBe(false);
    expect(errorsOf(validateCall)).toEqual([' additionalProperties']);
  });

  it('rejects an extra sub-resource URI', () => {
    // Prepare
    const call = sampleCall();

    // Act
    const valid = validateCall({ ...call, subresource_uris: { ...call.subresource_uris, events: '/x' } });

    // Assess
    expect(valid).toBe(false);
    expect(errorsOf(validateCall)).toEqual(['/subresource_uris additionalProperties']);
  });

  it.each([
    ['status', 'ended'],
    ['direction', 'sideways'],
    ['answered_by', 'robot'],
  ])('rejects %s = %s', (field, value) => {
    // Act
    const valid = validateCall({ ...sampleCall(), [field]: value });

    // Assess
    expect(valid).toBe(false);
    expect(errorsOf(validateCall)).toEqual([`/${field} enum`]);
  });

  describe("holds the Call's enums to SignalWire's published ones", () => {
    // From SignalWire's OpenAPI document of the Calls resource (components.schemas CallStatus, CallDirection,
    // AnsweredBy), copied here as facts: the project's schema must accept each value and nothing else.
    const PUBLISHED = {
      status: ['queued', 'ringing', 'in-progress', 'canceled', 'completed', 'busy', 'failed', 'no-answer'],
      direction: ['inbound', 'outbound'],
      answered_by: ['human', 'machine', null],
    } as const;
    const UNPUBLISHED = {
      status: ['answered', 'in progress', 'cancelled', 'COMPLETED', ''],
      direction: ['outbound-api', 'outbound-dial', 'Inbound', ''],
      answered_by: ['machine_start', 'unknown', ''],
    } as const;

    it.each(
      Object.entries(PUBLISHED).flatMap(([field, values]) => values.map((value) => [field, value] as const)),
    )('accepts %s %j', (field, value) => {
      expect(validateCall({ ...sampleCall(), [field]: value })).toBe(true);
    });

    it.each(
      Object.entries(UNPUBLISHED).flatMap(([field, values]) =>
        values.map((value) => [field, value] as const),
      ),
    )('refuses %s %j, which the published enum does not list', (field, value) => {
      expect(validateCall({ ...sampleCall(), [field]: value })).toBe(false);
      expect(errorsOf(validateCall)).toEqual([`/${field} enum`]);
    });
  });

  it('accepts null in every nullable field', () => {
    // Prepare
    const call = {
      ...sampleCall(),
      parent_call_sid: null,
      phone_number_sid: null,
      start_time: null,
      end_time: null,
      price: null,
      answered_by: null,
      sip_result_code: null,
      audio_in_mos: null,
      audio_rtt_avg: null,
      audio_out_lost: null,
    };

    // Act
    const valid = validateCall(call);

    // Assess
    expect(errorsOf(validateCall)).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each([
    ['sid', 'CA0123456789abcdef0123456789abcdef'],
    ['account_sid', 'not-a-uuid'],
    ['parent_call_sid', 'CA42'],
    ['duration', null],
    ['duration', 1.5],
    ['price', '-0.01'],
    ['audio_rtt_avg', 4.5],
    ['date_created', null],
  ])('rejects %s = %j', (field, value) => {
    expect(validateCall({ ...sampleCall(), [field]: value })).toBe(false);
  });
});

describe('callListPageSchema', () => {
  const page = {
    calls: [sampleCall()],
    uri: `/api/laml/2010-04-01/Accounts/${ACCOUNT}/Calls.json?Page=0&PageSize=1`,
    first_page_uri: `/api/laml/2010-04-01/Accounts/${ACCOUNT}/Calls.json?Page=0&PageSize=1`,
    next_page_uri: `/api/laml/2010-04-01/Accounts/${ACCOUNT}/Calls.json?Page=1&PageSize=1&PageToken=PAabc`,
    previous_page_uri: null,
    page: 0,
    page_size: 1,
  };

  it('accepts a page of calls', () => {
    expect(validatePage(page)).toBe(true);
    expect(validatePage({ ...page, calls: [], next_page_uri: null })).toBe(true);
  });

  it('rejects a page whose call is not a valid Call', () => {
    // Act
    const valid = validatePage({ ...page, calls: [{ ...sampleCall(), status: 'gone' }] });

    // Assess
    expect(valid).toBe(false);
    expect(errorsOf(validatePage)).toEqual(['/calls/0/status enum']);
  });

  it.each(['calls', 'uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri', 'page', 'page_size'])(
    'rejects a page without %s',
    (field) => {
      // Prepare
      const incomplete: Record<string, unknown> = { ...page };
      delete incomplete[field];

      // Act + Assess
      expect(validatePage(incomplete)).toBe(false);
    },
  );

  it('rejects extra properties and a non-integer page', () => {
    expect(validatePage({ ...page, total: 1 })).toBe(false);
    expect(validatePage({ ...page, page: '0' })).toBe(false);
  });
});

describe('error schemas', () => {
  it('accepts the single error body and rejects other shapes', () => {
    // Prepare
    const body = {
      code: 20404,
      message: 'Not found',
      more_info: 'https://signalwire.com/docs',
      status: 404,
    };

    // Assess
    expect(validateError(body)).toBe(true);
    expect(validateError({ ...body, code: '20404' })).toBe(false);
    expect(validateError({ ...body, detail: 'x' })).toBe(false);
    const { more_info: _dropped, ...withoutMoreInfo } = body;
    expect(validateError(withoutMoreInfo)).toBe(false);
  });

  it('accepts the errors-array body, whose codes are strings', () => {
    // Prepare
    const body = {
      errors: [{ code: '30010', message: 'Too expensive', more_info: 'https://signalwire.com/docs' }],
    };

    // Assess
    expect(validateErrorArray(body)).toBe(true);
    expect(validateErrorArray({ errors: [{ code: 30010, message: 'x' }] })).toBe(false);
    expect(validateErrorArray({ errors: [{ code: '1', message: 'x', status: 400 }] })).toBe(false);
    expect(validateErrorArray({})).toBe(false);
  });
});

describe('updateCallFormSchema', () => {
  it('accepts all seven fields', () => {
    // Prepare
    const form = {
      Url: 'https://example.com/laml.xml',
      Method: 'GET',
      Status: 'completed',
      FallbackUrl: 'https://example.com/fallback',
      FallbackMethod: 'POST',
      StatusCallback: 'https://example.com/status',
      StatusCallbackMethod: 'POST',
    };

    // Act + Assess
    expect(validateUpdateForm(form)).toBe(true);
    expect(validateUpdateForm({})).toBe(true);
  });

  it.each([
    [{ Status: 'in-progress' }, '/Status enum'],
    [{ Method: 'PUT' }, '/Method enum'],
    [{ StatusCallbackMethod: 'get' }, '/StatusCallbackMethod enum'],
    [{ Url: 'laml.xml' }, '/Url format'],
    [{ FallbackUrl: 'not a url' }, '/FallbackUrl format'],
    [{ Twiml: '<Response/>' }, ' additionalProperties'],
  ])('rejects %j', (form, error) => {
    expect(validateUpdateForm(form)).toBe(false);
    expect(errorsOf(validateUpdateForm)).toEqual([error]);
  });
});

describe('listCallsQuerySchema', () => {
  it('accepts every filter and paging parameter', () => {
    // Prepare
    const query = {
      Status: 'in-progress',
      To: '+13105550142',
      From: '+14155550100',
      ParentCallSid: SID,
      StartTime: '2025-03-04',
      'StartTime<': 'Tue, 04 Mar 2025 10:00:00 +0000',
      'StartTime>': '2025-03-04T09:00:00Z',
      EndTime: '2025-03-04',
      'EndTime<': '2025-03-05',
      'EndTime>': '2025-03-03',
      Page: 2,
      PageSize: 1000,
      PageToken: 'PAabc',
    };

    // Act + Assess
    expect(validateListQuery(query)).toBe(true);
  });

  it.each([
    [{ PageSize: 0 }, '/PageSize minimum'],
    [{ PageSize: 1001 }, '/PageSize maximum'],
    [{ Page: -1 }, '/Page minimum'],
    [{ Status: 'active' }, '/Status enum'],
    [{ ParentCallSid: 'CA42' }, '/ParentCallSid format'],
    [{ PageToken: 'XYabc' }, '/PageToken pattern'],
    [{ StartTimeAfter: '2025-03-04' }, ' additionalProperties'],
  ])('rejects %j', (query, error) => {
    expect(validateListQuery(query)).toBe(false);
    expect(errorsOf(validateListQuery)).toEqual([error]);
  });
});
