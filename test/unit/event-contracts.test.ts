import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { describeError, type RequestErrorCode, SignalWireError } from '#commons/errors';
import {
  CALL_STATUS_CHANGED,
  CALL_UPDATE_FAILED,
  CALL_UPDATE_REQUESTED,
  CALL_UPDATED,
  type CallUpdateRequestedEvent,
  DEFAULT_EVENT_SOURCE,
  EVENT_CONTRACTS,
  type EventContract,
  schemaFileText,
} from '#commons/events/contracts';

/** Each contract's published schema with its detail-type and file. */
const EVENT_DETAIL_JSON_SCHEMAS = EVENT_CONTRACTS.map(({ detailType, fileName, detailJsonSchema }) => ({
  detailType,
  fileName,
  schema: detailJsonSchema,
}));

import { toNativeCallStatusChanged } from '#commons/status-callbacks/native-callback';
import { toCallStatusChanged } from '#commons/status-callbacks/status-callback';
import {
  callUpdatedDetail,
  callUpdateFailedDetail,
  toCallUpdateError,
} from '#commons/update-requests/call-update-requests';
import { callUpdateRequestViolations } from '#commons/update-requests/validate-request';
import * as infraContract from '../../infra/event-contract.ts';
import { CALL_SID, PROJECT_ID, sampleCall } from '../support/fixtures.ts';

/**
 * The JSON Schemas of the event details have one source, a module per contract in
 * `functions/commons/events/contracts/`; `npm run
 * schemas` writes them to schemas/events, which integrators and the EventBridge schema registry (type
 * JSONSchemaDraft4) read. The public types are checked against them at compile time
 * (test/types/event-contract-types.ts). These tests check that the committed files are the generated ones,
 * stay within draft-04, and agree with the functions' runtime validation and with what the functions publish.
 *
 * No draft-04 validator is installed (ajv 8 dropped draft-04; ajv-draft-04 is not a dependency), so the
 * schemas use the keywords whose meaning draft-04, draft-07 and 2020-12 share, checked below, and are
 * validated with Ajv's draft-07 and 2020-12 classes (with `$schema` removed, which Ajv cannot resolve).
 */

const SCHEMA_DIR = new URL('../../schemas/events/', import.meta.url);
const readSchema = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as Record<string, unknown>;

const FILES = {
  [CALL_UPDATE_REQUESTED]: 'call-update-requested.schema.json',
  [CALL_UPDATED]: 'call-updated.schema.json',
  [CALL_UPDATE_FAILED]: 'call-update-failed.schema.json',
  [CALL_STATUS_CHANGED]: 'call-status-changed.schema.json',
} as const satisfies Record<(typeof EVENT_DETAIL_JSON_SCHEMAS)[number]['detailType'], string>;

/** Keywords of draft-04 that mean the same in draft-07 and 2020-12 (so Ajv's verdict is draft-04's). */
const PORTABLE_KEYWORDS = new Set([
  '$schema',
  '$ref',
  'title',
  'description',
  'type',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'minItems',
  'maxItems',
  'dependencies',
  'items',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'not',
  'anyOf',
  'allOf',
  'oneOf',
  'definitions',
]);
/** Formats draft-04 defines (ajv-formats checks them the same way). */
const DRAFT_04_FORMATS = new Set(['date-time', 'email', 'hostname', 'ipv4', 'ipv6', 'uri']);

/** Every schema object in a document, with its JSON pointer. */
const walk = (schema: unknown, path = '#'): Array<[string, Record<string, unknown>]> => {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [];
  const node = schema as Record<string, unknown>;
  const found: Array<[string, Record<string, unknown>]> = [[path, node]];
  for (const key of ['properties', 'definitions', 'dependencies'] as const) {
    const map = node[key];
    if (typeof map !== 'object' || map === null) continue;
    for (const [name, sub] of Object.entries(map)) found.push(...walk(sub, `${path}/${key}/${name}`));
  }
  for (const key of ['anyOf', 'allOf', 'oneOf'] as const) {
    const list = node[key];
    if (!Array.isArray(list)) continue;
    for (const [index, sub] of list.entries()) found.push(...walk(sub, `${path}/${key}/${index}`));
  }
  for (const key of ['not', 'items', 'additionalProperties'] as const)
    found.push(...walk(node[key], `${path}/${key}`));
  return found;
};

const compileFile = (AjvClass: typeof Ajv | typeof Ajv2020, file: string): ValidateFunction => {
  const ajv = new AjvClass({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  const { $schema: _draft04, ...schema } = readSchema(file);
  return ajv.compile(schema);
};

const validators = Object.fromEntries(
  Object.entries(FILES).map(([detailType, file]) => [
    detailType,
    { draft07: compileFile(Ajv, file), draft2020: compileFile(Ajv2020, file) },
  ]),
) as Record<keyof typeof FILES, { draft07: ValidateFunction; draft2020: ValidateFunction }>;

/** The file's verdict on a detail; both Ajv classes must agree with each other first. */
const fileAccepts = (detailType: keyof typeof FILES, detail: unknown): boolean => {
  const { draft07, draft2020 } = validators[detailType];
  const verdict = draft07(detail);
  expect(draft2020(detail), `draft-07 and 2020-12 disagree on ${JSON.stringify(detail)}`).toBe(verdict);
  return verdict;
};

const envelope = (detail: unknown): CallUpdateRequestedEvent =>
  ({
    version: '0',
    id: '6f1e6c0e-1d7a-4d55-8c39-2b0a8d1f4a10',
    'detail-type': CALL_UPDATE_REQUESTED,
    source: 'com.example.crm',
    account: '123456789012',
    time: '2026-03-04T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  }) as CallUpdateRequestedEvent;

describe('the schema files', () => {
  it.each(EVENT_DETAIL_JSON_SCHEMAS)(
    'schemas/events/$fileName is what `npm run schemas` writes from its source',
    ({ fileName, schema }) => {
      expect(readFileSync(new URL(fileName, SCHEMA_DIR), 'utf8')).toBe(schemaFileText(schema));
    },
  );

  it('exist for every detail-type, under the names and detail-types the infra registers', () => {
    const registered = infraContract.EVENT_SCHEMA_FILES.map(({ detailType, fileName }) => [
      detailType,
      fileName,
    ]);
    const generated = EVENT_DETAIL_JSON_SCHEMAS.map(({ detailType, fileName }) => [detailType, fileName]);

    expect(Object.entries(FILES).sort()).toEqual(registered.sort());
    expect(generated.sort()).toEqual(registered.sort());
    expect(infraContract.EVENT_SOURCE).toBe(DEFAULT_EVENT_SOURCE);
  });

  it.each(Object.values(FILES))(
    '%s names the source of published events as configurable (eventSource, call-control by default), not signalwire.call-control',
    (file) => {
      const { description } = readSchema(file) as { description: string };

      expect(description).not.toContain('signalwire.call-control');
      expect(description).toMatch(/eventSource, "call-control" by default/);
    },
  );

  it('takes each contract from one module: detail-type, type, schemas, file and registry names exported together', async () => {
    const modules = await Promise.all(
      ['call-update-requested', 'call-updated', 'call-update-failed', 'call-status-changed'].map(
        (name) =>
          import(`../../functions/commons/events/contracts/${name}.ts`) as Promise<Record<string, unknown>>,
      ),
    );
    const contracts = modules.map(
      (module) => Object.entries(module).find(([name]) => name.endsWith('Contract'))?.[1] as EventContract,
    );

    expect(contracts).toEqual([...EVENT_CONTRACTS]);
    expect(infraContract.EVENT_SCHEMA_FILES).toEqual(
      contracts.map(({ detailType, fileName, schemaType }) => ({ detailType, fileName, schemaType })),
    );
    expect(contracts.map(({ fileName }) => fileName)).toEqual(Object.values(FILES));
  });

  it.each(Object.values(FILES))(
    '%s declares draft-04 and uses only keywords draft-04 shares with later drafts',
    (file) => {
      const schema = readSchema(file);

      expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
      for (const [path, node] of walk(schema)) {
        for (const keyword of Object.keys(node)) {
          if (path.endsWith('/properties') || path.endsWith('/definitions')) continue;
          expect(PORTABLE_KEYWORDS.has(keyword), `${path}: ${keyword}`).toBe(true);
        }
        if (Array.isArray(node.required))
          expect(node.required.length, `${path}: empty required`).toBeGreaterThan(0);
        if (typeof node.format === 'string') expect(DRAFT_04_FORMATS.has(node.format), path).toBe(true);
        if (typeof node.$ref === 'string') expect(node.$ref, path).toMatch(/^#\/definitions\/[A-Za-z]+$/);
      }
    },
  );

  it('lists every stable error code of the error taxonomy, and only those', () => {
    // A new RequestErrorCode makes this literal fail to compile until it is listed here, and then this test fails
    // until the schema file lists it too.
    const codes: Record<RequestErrorCode, true> = {
      INVALID_REQUEST: true,
      UNSUPPORTED_MEDIA_TYPE: true,
      PAYLOAD_TOO_LARGE: true,
      ROUTE_NOT_FOUND: true,
      ACCOUNT_NOT_CONFIGURED: true,
      CALL_NOT_FOUND: true,
      CALL_STATE_CONFLICT: true,
      UPSTREAM_REJECTED: true,
      UPSTREAM_AUTH_FAILED: true,
      UPSTREAM_RATE_LIMITED: true,
      UPSTREAM_UNAVAILABLE: true,
      UPSTREAM_ERROR: true,
      UPSTREAM_TIMEOUT: true,
      UPSTREAM_UNREACHABLE: true,
      REDIRECT_OUTCOME_UNKNOWN: true,
      EVENT_TOO_OLD: true,
      CREDENTIALS_UNAVAILABLE: true,
      INTERNAL_ERROR: true,
    };
    const definitions = readSchema(FILES[CALL_UPDATE_FAILED]).definitions as {
      Error: { properties: { code: { enum: string[] } } };
    };

    expect([...definitions.Error.properties.code.enum].sort()).toEqual(Object.keys(codes).sort());
  });
});

describe('"Call Update Requested": the schema file and the runtime validation agree', () => {
  const sid = CALL_SID;
  const samples: Array<[string, unknown, boolean]> = [
    ['a redirect', { callSid: sid, action: 'update', update: { Url: 'https://e.com/a.xml' } }, true],
    [
      'a redirect with every option',
      {
        callSid: sid,
        accountSid: PROJECT_ID,
        action: 'update',
        update: {
          Url: 'https://e.com/a.xml',
          Method: 'GET',
          FallbackUrl: 'http://e.com/fb.xml',
          FallbackMethod: 'POST',
          StatusCallback: 'https://e.com/status',
          StatusCallbackMethod: 'POST',
        },
        idempotencyKey: 'crm:case-4711:redirect',
        correlationId: 'c0ffee-1',
      },
      true,
    ],
    ['Status=completed', { callSid: sid, action: 'update', update: { Status: 'completed' } }, true],
    ['Status=canceled', { callSid: sid, action: 'update', update: { Status: 'canceled' } }, true],
    ['a terminate', { callSid: sid, action: 'terminate' }, true],
    ['a terminate with an empty update', { callSid: sid, action: 'terminate', update: {} }, true],
    [
      'a terminate with an update',
      { callSid: sid, action: 'terminate', update: { Status: 'completed' } },
      false,
    ],
    ['an update without update', { callSid: sid, action: 'update' }, false],
    ['an empty update', { callSid: sid, action: 'update', update: {} }, false],
    ['no action', { callSid: sid, update: { Status: 'completed' } }, false],
    ['an unknown action', { callSid: sid, action: 'hangup' }, false],
    ['no callSid', { action: 'terminate' }, false],
    ['a CA-style callSid', { callSid: 'CA1234567890abcdef', action: 'terminate' }, false],
    ['a numeric callSid', { callSid: 42, action: 'terminate' }, false],
    ['a malformed accountSid', { callSid: sid, accountSid: 'acme', action: 'terminate' }, false],
    ['an unknown detail field', { callSid: sid, action: 'terminate', reason: 'x' }, false],
    ['an unknown Status', { callSid: sid, action: 'update', update: { Status: 'busy' } }, false],
    [
      'a lower-case Method',
      { callSid: sid, action: 'update', update: { Url: 'https://e.com/a', Method: 'get' } },
      false,
    ],
    ['a relative Url', { callSid: sid, action: 'update', update: { Url: '/a.xml' } }, false],
    ['an ftp Url', { callSid: sid, action: 'update', update: { Url: 'ftp://e.com/a.xml' } }, false],
    [
      'a Url that is too long',
      { callSid: sid, action: 'update', update: { Url: `https://e.com/${'a'.repeat(2040)}` } },
      false,
    ],
    ['Method without Url', { callSid: sid, action: 'update', update: { Method: 'POST' } }, false],
    [
      'FallbackMethod without FallbackUrl',
      { callSid: sid, action: 'update', update: { FallbackMethod: 'GET' } },
      false,
    ],
    [
      'StatusCallbackMethod without StatusCallback',
      { callSid: sid, action: 'update', update: { StatusCallbackMethod: 'GET' } },
      false,
    ],
    [
      'Status with Url',
      { callSid: sid, action: 'update', update: { Status: 'completed', Url: 'https://e.com/a' } },
      false,
    ],
    [
      'an unknown update field',
      { callSid: sid, action: 'update', update: { Status: 'completed', To: '+1' } },
      false,
    ],
    ['a camelCase update field', { callSid: sid, action: 'update', update: { status: 'completed' } }, false],
    [
      'a Status given as a list',
      { callSid: sid, action: 'update', update: { Status: ['completed'] } },
      false,
    ],
    ['an update given as a string', { callSid: sid, action: 'update', update: 'Status=completed' }, false],
    ['an empty idempotency key', { callSid: sid, action: 'terminate', idempotencyKey: '' }, false],
    ['an idempotency key with a space', { callSid: sid, action: 'terminate', idempotencyKey: 'a b' }, false],
    ['a long correlation id', { callSid: sid, action: 'terminate', correlationId: 'c'.repeat(129) }, false],
    ['a numeric correlation id', { callSid: sid, action: 'terminate', correlationId: 7 }, false],
    ['a detail that is a list', [{ callSid: sid, action: 'terminate' }], false],
    [
      'a transfer to a SIP URI',
      { callSid: sid, action: 'transfer', transfer: { dest: 'sip:a@e.com' } },
      true,
    ],
    [
      'a transfer to a number, naming the native API',
      { callSid: sid, action: 'transfer', api: 'calling', transfer: { dest: '+14155550100' } },
      true,
    ],
    [
      'a transfer to a SWML URL',
      { callSid: sid, action: 'transfer', transfer: { dest: 'https://e.com/a' } },
      true,
    ],
    [
      'a redirect naming its API',
      { callSid: sid, action: 'update', api: 'compatibility', update: { Status: 'completed' } },
      true,
    ],
    [
      'a transfer to a SWML URL with a query, an escape and a fragment',
      { callSid: sid, action: 'transfer', transfer: { dest: 'https://E.com/a.swml?x=%41#y' } },
      true,
    ],
    [
      'a transfer to a SWML URL with a character to percent-encode',
      { callSid: sid, action: 'transfer', transfer: { dest: 'https://e.com/a<b>.swml' } },
      false,
    ],
    [
      'a transfer to a SWML URL with a % not in %XX',
      { callSid: sid, action: 'transfer', transfer: { dest: 'https://e.com/50%.swml' } },
      false,
    ],
    [
      'a transfer to a SWML URL with a second #',
      { callSid: sid, action: 'transfer', transfer: { dest: 'https://e.com/a.swml#x#y' } },
      false,
    ],
    [
      'a transfer to a SWML URL at an IPv6 address that is none',
      { callSid: sid, action: 'transfer', transfer: { dest: 'https://[1:2]/a.swml' } },
      false,
    ],
    [
      'a transfer to a SIP URI with escapes',
      { callSid: sid, action: 'transfer', transfer: { dest: 'sip:a%41@e.com;x=%41' } },
      true,
    ],
    [
      'a transfer to a SIP URI with a % not in %XX',
      { callSid: sid, action: 'transfer', transfer: { dest: 'sip:a%zz@e.com' } },
      false,
    ],
    ['an unknown api', { callSid: sid, action: 'terminate', api: 'laml' }, false],
    ['a transfer without transfer', { callSid: sid, action: 'transfer' }, false],
    ['a transfer without dest', { callSid: sid, action: 'transfer', transfer: {} }, false],
    [
      'a transfer to an ftp URL',
      { callSid: sid, action: 'transfer', transfer: { dest: 'ftp://e.com/a' } },
      false,
    ],
    [
      'a transfer to a short number',
      { callSid: sid, action: 'transfer', transfer: { dest: '+1415' } },
      false,
    ],
    [
      'a transfer to an inline SWML document',
      { callSid: sid, action: 'transfer', transfer: { dest: { version: '1.0.0' } } },
      false,
    ],
    [
      'a transfer with a stray field',
      { callSid: sid, action: 'transfer', transfer: { dest: '+14155550100', to: 'x' } },
      false,
    ],
    [
      'a transfer with an update',
      {
        callSid: sid,
        action: 'transfer',
        transfer: { dest: '+14155550100' },
        update: { Status: 'completed' },
      },
      false,
    ],
    [
      'an update with a transfer',
      { callSid: sid, action: 'update', update: { Status: 'completed' }, transfer: { dest: '+14155550100' } },
      false,
    ],
    [
      'a terminate with a transfer',
      { callSid: sid, action: 'terminate', transfer: { dest: '+14155550100' } },
      false,
    ],
  ];

  it.each(samples)('%s: both say %s', (_name, detail, valid) => {
    const runtime = callUpdateRequestViolations(envelope(detail));

    expect(fileAccepts(CALL_UPDATE_REQUESTED, detail)).toBe(valid);
    expect(runtime.length === 0, JSON.stringify(runtime)).toBe(valid);
  });
});

describe('"Call Update Requested": runtime violations name the field in the HTTP API words', () => {
  const cases: Array<[string, unknown, string, string]> = [
    ['a relative Url', { callSid: CALL_SID, action: 'update', update: { Url: '/a.xml' } }, 'Url', 'url'],
    ['a malformed callSid', { callSid: 'CA1', action: 'terminate' }, 'callSid', 'sid'],
    [
      'Method without Url',
      { callSid: CALL_SID, action: 'update', update: { Method: 'GET' } },
      'Method',
      'requires',
    ],
    [
      'Status with Url',
      { callSid: CALL_SID, action: 'update', update: { Status: 'completed', Url: 'https://e.com/a' } },
      'Status',
      'exclusive',
    ],
    [
      'an unknown update field',
      { callSid: CALL_SID, action: 'update', update: { To: '+1' } },
      'To',
      'unknown-field',
    ],
    [
      'an unknown detail field',
      { callSid: CALL_SID, action: 'terminate', colour: 'red' },
      'colour',
      'unknown-field',
    ],
    ['no update', { callSid: CALL_SID, action: 'update' }, 'update', 'required'],
    [
      'an update on terminate',
      { callSid: CALL_SID, action: 'terminate', update: { Url: 'https://e.com' } },
      'update',
      'empty',
    ],
    ['an unknown action', { callSid: CALL_SID, action: 'hangup' }, 'action', 'enum'],
    ['an unknown api', { callSid: CALL_SID, action: 'terminate', api: 'relay' }, 'api', 'enum'],
    ['a transfer without dest', { callSid: CALL_SID, action: 'transfer', transfer: {} }, 'dest', 'required'],
    [
      'a malformed dest',
      { callSid: CALL_SID, action: 'transfer', transfer: { dest: 'desk@e.com' } },
      'dest',
      'format',
    ],
    [
      'a stray transfer field',
      { callSid: CALL_SID, action: 'transfer', transfer: { dest: '+14155550100', via: 'x' } },
      'via',
      'unknown-field',
    ],
    ['no transfer', { callSid: CALL_SID, action: 'transfer' }, 'transfer', 'required'],
    [
      'a transfer on an update',
      {
        callSid: CALL_SID,
        action: 'update',
        update: { Status: 'completed' },
        transfer: { dest: '+14155550100' },
      },
      'transfer',
      'action',
    ],
    [
      'an update on a transfer',
      {
        callSid: CALL_SID,
        action: 'transfer',
        transfer: { dest: '+14155550100' },
        update: { Status: 'completed' },
      },
      'update',
      'action',
    ],
  ];

  it.each([
    ['https://e.com/a<b>.swml', 'it holds a character to percent-encode'],
    ['https://e.com/50%.swml', 'it holds a character to percent-encode'],
    ['https://[1:2]/a.swml', 'its host is no name nor an IPv6 address in brackets'],
    ['https://user:pw@e.com/a.swml', 'it carries user:password@'],
    ['sip:agent:pw@e.com', 'it carries user:password@ (a SIP URI takes a user only)'],
  ])('a transfer to %s is refused naming dest and why', (dest, why) => {
    const violations = callUpdateRequestViolations(
      envelope({ callSid: CALL_SID, action: 'transfer', transfer: { dest } }),
    );

    expect(violations).toEqual([
      { field: 'dest', rule: 'format', message: expect.stringMatching(/^dest must be a SIP URI/) },
    ]);
    expect(violations[0]?.message).toContain(`SWML URL: ${why}`);
  });

  it.each(cases)('%s: %s / %s', (_name, detail, field, rule) => {
    expect(callUpdateRequestViolations(envelope(detail))).toContainEqual(
      expect.objectContaining({ field, rule }),
    );
  });

  it('refuses another detail-type', () => {
    const event = { ...envelope({ callSid: CALL_SID, action: 'terminate' }), 'detail-type': 'Call Updated' };

    expect(callUpdateRequestViolations(event)).toContainEqual(
      expect.objectContaining({ field: 'detail-type', rule: 'enum' }),
    );
  });
});

describe('the published details match their schema files', () => {
  const request = envelope({
    callSid: CALL_SID,
    action: 'update',
    update: { Url: 'https://e.com/a.xml', Method: 'POST' },
    correlationId: 'crm-1',
  });

  it('"Call Updated", fresh and replayed', () => {
    const applied = {
      kind: 'applied' as const,
      accountSid: PROJECT_ID,
      outcome: 'updated' as const,
      call: sampleCall(),
    };

    expect(fileAccepts(CALL_UPDATED, callUpdatedDetail(request, applied))).toBe(true);
    expect(fileAccepts(CALL_UPDATED, callUpdatedDetail(request, { ...applied, replayed: true }))).toBe(true);
    expect(fileAccepts(CALL_UPDATED, { ...callUpdatedDetail(request, applied), extra: 1 })).toBe(false);
  });

  it('defect: outcome events not bounded: "Call Updated" stays small whatever shape the Call body has', () => {
    const control = '\u0000'.repeat(3_000);
    const deep = (level: number): unknown =>
      level === 0
        ? control
        : Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}`.repeat(200), deep(level - 1)]));
    const wide = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, 'v'.repeat(300)]));
    const list = Array.from({ length: 10_000 }, () => control);
    const call = { nested: deep(3), list, ...sampleCall(), ...wide };
    const detail = callUpdatedDetail(request, {
      kind: 'applied',
      accountSid: PROJECT_ID,
      outcome: 'updated',
      call: call as unknown as ReturnType<typeof sampleCall>,
    });

    expect(Buffer.byteLength(JSON.stringify(detail))).toBeLessThan(128 * 1024);
    // SignalWire's own fields come through whole.
    expect(detail.call).toMatchObject(sampleCall());
  });

  it('"Call Update Failed" with SignalWire\'s error, and for an event that is not even an object', () => {
    const conflict = describeError(
      new SignalWireError(400, { code: 21220, message: 'Call is not in-progress', moreInfo: undefined }),
    );
    const invalid = describeError(new Error('boom'));

    const upstream = callUpdateFailedDetail(request, toCallUpdateError(conflict), { final: true });
    const garbage = callUpdateFailedDetail('not an event', toCallUpdateError(invalid), { final: false });

    expect(fileAccepts(CALL_UPDATE_FAILED, upstream)).toBe(true);
    expect(upstream.error.signalwire).toMatchObject({ code: 21220 });
    expect(fileAccepts(CALL_UPDATE_FAILED, garbage)).toBe(true);
    expect(garbage).toMatchObject({ requestEventId: '', callSid: null, action: null, final: false });
  });

  it('"Call Status Changed", with every field and with only the required parameters', () => {
    const full = toCallStatusChanged(
      [
        ['AccountSid', PROJECT_ID],
        ['CallSid', CALL_SID],
        ['CallStatus', 'answered'],
        ['SequenceNumber', '2'],
        ['Timestamp', 'Wed, 04 Mar 2026 10:00:03 +0000'],
        ['CallDuration', '17'],
        ['Direction', 'outbound-api'],
        ['From', '+14155550100'],
        ['To', '+13105550142'],
        ['CallbackSource', 'call-progress-events'],
      ],
      new Date('2026-03-04T10:00:04.250Z'),
    );
    const bare = toCallStatusChanged(
      [
        ['AccountSid', PROJECT_ID],
        ['CallSid', CALL_SID],
        ['CallStatus', 'no-such-status'],
      ],
      new Date('2026-03-04T10:00:04.250Z'),
    );

    expect(fileAccepts(CALL_STATUS_CHANGED, full)).toBe(true);
    expect(full).toMatchObject({
      callStatus: 'answered',
      status: 'in-progress',
      timestamp: '2026-03-04T10:00:03.000Z',
    });
    expect(fileAccepts(CALL_STATUS_CHANGED, bare)).toBe(true);
    expect(bare).toMatchObject({ status: null, sequenceNumber: null, timestamp: null, duration: null });
  });

  it.each(['constructor', 'hasownproperty', 'tostring', 'valueof'])(
    '"Call Status Changed" from a callback whose CallStatus is %s, a name every object inherits: status null, still valid',
    (callStatus) => {
      const detail = toCallStatusChanged(
        [
          ['AccountSid', PROJECT_ID],
          ['CallSid', CALL_SID],
          ['CallStatus', callStatus],
        ],
        new Date('2026-03-04T10:00:04.250Z'),
      );

      expect(detail).toMatchObject({ callStatus, status: null });
      expect(fileAccepts(CALL_STATUS_CHANGED, JSON.parse(JSON.stringify(detail)))).toBe(true);
    },
  );

  it.each([
    ['a form callback', 'Fri, 01 Jan 10000 00:00:00 +0000'],
    ['a form callback', '+275760-09-13T00:00:00Z'],
    ['a form callback', '-000001-01-01T00:00:00Z'],
  ])(
    '"Call Status Changed" from %s timed %s (past year 9999 or before year 0): timestamp null, still valid',
    (_kind, timestamp) => {
      const detail = toCallStatusChanged(
        [
          ['AccountSid', PROJECT_ID],
          ['CallSid', CALL_SID],
          ['CallStatus', 'completed'],
          ['Timestamp', timestamp],
        ],
        new Date('2026-03-04T10:00:04.250Z'),
      );

      expect(detail.timestamp).toBeNull();
      expect(fileAccepts(CALL_STATUS_CHANGED, detail)).toBe(true);
    },
  );

  it.each([1e12, -1e11, 253_402_300_800])(
    '"Call Status Changed" from a native callback timed %s s since the epoch (outside years 0000 to 9999): timestamp null, still valid',
    (seconds) => {
      const detail = toNativeCallStatusChanged(
        {
          project_id: PROJECT_ID,
          timestamp: seconds,
          params: { call_id: CALL_SID, call_state: 'ended' },
        },
        new Date('2026-03-04T10:00:04.250Z'),
      );

      expect(detail.timestamp).toBeNull();
      expect(fileAccepts(CALL_STATUS_CHANGED, detail)).toBe(true);
    },
  );

  it('"Call Status Changed" keeps the last moment of year 9999, which RFC 3339 can still write', () => {
    const detail = toNativeCallStatusChanged(
      {
        project_id: PROJECT_ID,
        timestamp: 253_402_300_799,
        params: { call_id: CALL_SID, call_state: 'ended' },
      },
      new Date('2026-03-04T10:00:04.250Z'),
    );

    expect(detail.timestamp).toBe('9999-12-31T23:59:59.000Z');
    expect(fileAccepts(CALL_STATUS_CHANGED, detail)).toBe(true);
  });
});
