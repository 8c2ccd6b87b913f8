import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { callUpdateSchema } from '#commons/calls/call-update-schema';
import {
  CALL_APIS,
  CALL_UPDATE_REQUEST_ACTIONS,
  CALL_UPDATE_REQUESTED,
  callUpdateRequestedEventSchema,
} from '#commons/events/contracts';
import { sealCursor } from '#commons/http/cursor-seal';
import { operatorRouteKeys } from '#commons/http/routes';
import { LIST_QUERY_TO_SIGNALWIRE, listCallsEventSchema } from '#commons/http/schemas';
import { CALL_STATUSES } from '#commons/signalwire/types';
import { RESERVED_KEYS } from '#commons/validation/violations';
import { toApiGatewayEvent } from '#local/api-gateway';
import type { EventBridgeEnvelope } from '#local/aws-emulator';

/**
 * Arbitraries for the property suite, derived from the project's own schemas and field lists
 * (`callUpdateSchema`, the list query schema, the "Call Update Requested" contract, the status-callback
 * fields), then mutated. For a given seed they generate the same inputs (request and event ids aside).
 */
/** The calls the emulator holds: fixed SIDs, so a seed always generates the same requests. */
export const seededSids = Array.from(
  { length: 40 },
  (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
);
/** A well-formed project SID the secret does not hold. */
export const OTHER_PROJECT = '11111111-2222-4333-8444-555555555555';

type Schema = { [key: string]: unknown };

const RESERVED = [...RESERVED_KEYS];
const sid = fc.oneof(
  fc.constantFrom(...['0f0e0d0c-0b0a-4909-8807-060504030201']),
  fc.uuid(),
  fc.uuid().map((uuid) => uuid.toUpperCase()),
  fc.constant('not-a-sid'),
);
const liveSid = () => fc.constantFrom(...seededSids);

/** Ports as callers get them wrong and right. */
const port = fc.oneof(
  fc.integer({ min: 1, max: 65_535 }).map(String),
  fc.constantFrom('0', '65536', '99999', '-1', 'http', '', '080', '1e3'),
);
const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.tuple(fc.domain(), port, fc.webPath()).map(([host, p, path]) => `https://${host}:${p}${path}`),
  fc.constantFrom(
    '/relative.xml',
    'ftp://example.com/a',
    'https://user:pw@example.com/a',
    'https://',
    'https://[::1]:8443/a',
    'javascript:alert(1)',
  ),
);

const offset = fc.tuple(
  fc.constantFrom('+', '-'),
  fc.integer({ min: 0, max: 30 }),
  fc.integer({ min: 0, max: 75 }),
);
const pad = (value: number, width = 2) => String(value).padStart(width, '0');
const date = fc.date({
  min: new Date('1999-01-01T00:00:00Z'),
  max: new Date('2040-01-01T00:00:00Z'),
  noInvalidDate: true,
});
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Dates in the two accepted forms with any offset, valid or not, and text that merely looks like one. */
const dateText = fc.oneof(
  date.map((d) => d.toISOString()),
  date.map((d) => d.toISOString().slice(0, 10)),
  fc
    .tuple(date, offset)
    .map(([d, [sign, h, m]]) => `${d.toISOString().slice(0, 19)}${sign}${pad(h)}:${pad(m)}`),
  fc
    .tuple(date, offset)
    .map(
      ([d, [sign, h, m]]) =>
        `${WEEKDAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
        `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${sign}${pad(h)}${pad(m)}`,
    ),
  fc.constantFrom('yesterday', '2024-02-30', '2026-13-01T00:00:00Z', 'Mon, 31 Feb 2026 10:00:00 +0000', '1'),
  // The year bounds (1000 to 9999, written and as a UTC instant), issue 17 finding 6: each side of each edge.
  fc.constantFrom(
    '0000-01-01T00:00:00+14:00',
    '0999-12-31T23:59:59Z',
    '1000-01-01T00:00:00+14:00',
    '1000-01-01T00:00:00Z',
    'Thu, 01 Jan 0099 00:00:00 +0000',
    'Wed, 01 Jan 1000 00:00:00 +0000',
    '9999-12-31T23:59:59Z',
    '9999-12-31T23:59:59-00:01',
    'Fri, 31 Dec 9999 23:59:59 -0100',
  ),
);

/** A value for one property schema: valid by the schema's own enum/pattern/format, or plausibly close. */
const valueFor = (name: string, schema: Schema): fc.Arbitrary<unknown> => {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (/^(callSid|accountSid|parentCallSid|ParentCallSid)$/.test(name)) return fc.oneof(sid, liveSid());
  if (schema.format === 'uri') return url;
  if (/time/i.test(name)) return dateText;
  if (name === 'pageSize')
    return fc.oneof(
      fc.integer({ min: -5, max: 1200 }).map(String),
      fc.constantFrom('Infinity', 'NaN', '1e400', '0x10', ' 5'),
    );
  if (name === 'cursor') return cursor;
  if (typeof schema.pattern === 'string' && name !== 'pageSize') {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .map((text) => text.slice(0, Number(schema.maxLength ?? 256)));
  }
  if (schema.type === 'object') return fc.constant({});
  return fc.string({ maxLength: 40 });
};

/** A value as it goes wrong: another type, an array of it, something huge. */
const mutated = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 1, arbitrary: valid.map((value) => [value]) },
    { weight: 1, arbitrary: fc.tuple(valid, valid).map((pair) => pair) },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant({})),
    },
    { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((n) => 'x'.repeat(n)) },
  );

/** Names that are not a field: unknown, reserved, empty, very long, or a field in another case. */
const strayName = fc.oneof(
  fc.constantFrom(...RESERVED, ''),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.nat({ max: 1000 }).map((n) => `k${'e'.repeat(n)}`),
  fc.constantFrom('status', 'URL', 'Colour', 'toString', 'hasOwnProperty'),
);

/**
 * An object built from a schema's properties, each maybe present: as a careful caller writes it (`clean`), or
 * with values mutated and stray fields added.
 */
const recordFrom = (
  properties: Readonly<Record<string, Schema>>,
  options: { strayMax?: number; clean?: boolean } = {},
) =>
  fc
    .tuple(
      fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([name, schema]) => [
            name,
            options.clean ? valueFor(name, schema) : mutated(valueFor(name, schema)),
          ]),
        ),
        { requiredKeys: [] },
      ),
      fc.array(fc.tuple(strayName, mutated(fc.string({ maxLength: 30 }))), {
        maxLength: options.strayMax ?? 3,
      }),
      fc.nat({ max: 9 }),
    )
    .map(([known, stray, strays]) =>
      // fromEntries, so `__proto__` becomes a field as a JSON parser would make it, not a prototype.
      Object.fromEntries([...Object.entries(known), ...(options.clean || strays < 7 ? [] : stray)]),
    );

/** A value that is wrong for its field: another type, an array, something huge. */
const wrongValue = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    valid.map((value) => [value]),
    fc.tuple(valid, valid),
    fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant({})),
    fc.nat({ max: 5000 }).map((n) => 'x'.repeat(n)),
  );

/**
 * Objects from a schema, in three shapes: as a careful caller writes them; the same with exactly one fault
 * (one field wrong, or one stray, reserved, empty or huge name), so that every rule is met on its own; and
 * with faults anywhere.
 */
const objectFrom = (
  properties: Readonly<Record<string, Schema>>,
  options: { strayMax?: number; cleanWithout?: readonly string[] } = {},
) => {
  const cleanProperties = Object.fromEntries(
    Object.entries(properties).filter(([name]) => !(options.cleanWithout ?? []).includes(name)),
  );
  const clean = recordFrom(cleanProperties, { clean: true });
  const names = Object.keys(properties);
  const oneFault = clean.chain((record) =>
    fc.oneof(
      fc
        .constantFrom(...names)
        .chain((name) =>
          wrongValue(valueFor(name, properties[name] ?? {})).map((value) =>
            Object.fromEntries([...Object.entries(record), [name, value]]),
          ),
        ),
      fc
        .tuple(strayName, fc.string({ maxLength: 30 }))
        .map(([name, value]) => Object.fromEntries([...Object.entries(record), [name, value]])),
      fc
        .constantFrom(...names)
        .chain((name) =>
          valueFor(name, properties[name] ?? {}).map((value) =>
            Object.fromEntries([...Object.entries(record), [name, value]]),
          ),
        ),
    ),
  );
  return fc.oneof(clean, oneFault, recordFrom(properties, options));
};

const updateProperties = callUpdateSchema.properties as unknown as Record<string, Schema>;
const listProperties = listCallsEventSchema.properties.queryStringParameters.properties as unknown as Record<
  string,
  Schema
>;
const detailProperties = callUpdateRequestedEventSchema.properties.detail.properties as unknown as Record<
  string,
  Schema
>;

/** The key cursors are sealed with, set by the suite once the local stack has its API token. */
export const cursorSeal: { key?: Buffer } = {};
const LOCAL_PROJECT = '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d';
const pageUri = (project: string, params: Array<[string, string]>) =>
  `/api/laml/2010-04-01/Accounts/${project}/Calls.json?${new URLSearchParams(params).toString()}`;
const sealed = (uri: string) => sealCursor(uri, cursorSeal.key ?? Buffer.alloc(32));

/** A List Calls parameter a cursor may carry, with a value that is right for it or wrong. */
const cursorParam: fc.Arbitrary<[string, string]> = fc
  .constantFrom(...Object.values(LIST_QUERY_TO_SIGNALWIRE), 'Page')
  .chain((name) => {
    const good =
      name === 'Status'
        ? fc.constantFrom(...CALL_STATUSES)
        : name === 'To' || name === 'From'
          ? fc.constantFrom('+13105550100', '+14155550100')
          : name === 'ParentCallSid'
            ? fc.oneof(
                liveSid(),
                liveSid().map((value) => value.toUpperCase()),
              )
            : /Time/.test(name)
              ? dateText
              : name === 'PageSize'
                ? fc.integer({ min: 1, max: 1000 }).map(String)
                : fc.integer({ min: 0, max: 3 }).map(String);
    const bad = fc.oneof(
      fc.constantFrom('bogus', '', '-1', '5000', 'yesterday', 'not-a-sid', '2026-11-27T14:00:00+25:00'),
      fc.string({ maxLength: 12 }),
    );
    return fc
      .oneof({ weight: 2, arbitrary: good }, { weight: 1, arbitrary: bad })
      .map((value) => [name, value] as [string, string]);
  });

/**
 * Cursors: mostly as this API seals them for the local project, with List Calls names and right or wrong
 * values (what the cursor's own checks are for); then forgeries carrying any name, for any project, sealed or
 * not.
 */
const cursor: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .uniqueArray(cursorParam, { maxLength: 4, selector: ([name]) => name })
      .map((params) => sealed(pageUri(LOCAL_PROJECT, params))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(LOCAL_PROJECT, OTHER_PROJECT),
        fc.array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom(...Object.values(LIST_QUERY_TO_SIGNALWIRE), 'Page', 'PageToken'),
              strayName,
            ),
            fc.oneof(
              dateText,
              fc.constantFrom(...CALL_STATUSES),
              fc.integer({ min: -2, max: 2000 }).map(String),
              fc.string(),
            ),
          ),
          { maxLength: 4 },
        ),
        fc.boolean(),
      )
      .map(([project, params, seal]) =>
        seal ? sealed(pageUri(project, params)) : Buffer.from(pageUri(project, params)).toString('base64url'),
      ),
  },
);

/** Media types as odd as a header can hold: any text, and JSON types with odd parameters. */
const mediaTypeNoise = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc
    .tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }))
    .map(([name, value]) => `application/json; ${name}=${value}`),
  fc.string({ maxLength: 10 }).map((value) => `application/json; charset="${value}"`),
);

export const MEDIA_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json ; charset=utf-8',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded;charset=UTF-8',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json, text/plain',
  '',
];

/** A value as a form or query carries it: arrays become repeated names. */
export const formPairs = (record: Record<string, unknown>): Array<[string, string]> =>
  Object.entries(record).flatMap(([name, value]) =>
    Array.isArray(value)
      ? value.map((item) => [name, String(item)] as [string, string])
      : [[name, String(value)]],
  );

export interface HttpInput {
  method: string;
  path: string;
  query: string;
  body: string | undefined;
  contentType: string | undefined;
}

const accountPrefix = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `/accounts/7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d`,
      `/accounts/${OTHER_PROJECT}`,
      '/accounts/x',
    ),
  },
);
const pathSid = fc.oneof(
  liveSid(),
  sid.map((value) => encodeURIComponent(value)),
);

const bodyOf = (record: Record<string, unknown>) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(...MEDIA_TYPES.slice(0, 5))
        .map((type) => ({ type, body: JSON.stringify(record) })),
    },
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(...MEDIA_TYPES.slice(5, 7))
        .map((type) => ({ type, body: new URLSearchParams(formPairs(record)).toString() })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...MEDIA_TYPES).map((type) => ({ type, body: JSON.stringify(record) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom(...MEDIA_TYPES), mediaTypeNoise), fc.string({ maxLength: 60 }))
        .map(([type, body]) => ({ type, body })),
    },
  );

export const httpInput: fc.Arbitrary<HttpInput> = fc.oneof(
  fc.tuple(accountPrefix, pathSid, objectFrom(updateProperties)).chain(([prefix, callSid, update]) =>
    bodyOf(update).map(({ type, body }) => ({
      method: 'POST',
      path: `${prefix}/calls/${callSid}`,
      query: '',
      body,
      contentType: type,
    })),
  ),
  fc
    .tuple(accountPrefix, pathSid, fc.option(objectFrom(updateProperties, { strayMax: 1 }), { freq: 3 }))
    .chain(([prefix, callSid, extra]) =>
      (extra === null
        ? fc.constant({ type: undefined as string | undefined, body: undefined as string | undefined })
        : bodyOf(extra)
      ).map(({ type, body }) => ({
        method: 'POST',
        path: `${prefix}/calls/${callSid}/terminate`,
        query: '',
        body,
        contentType: type,
      })),
    ),
  fc.tuple(accountPrefix, pathSid).map(([prefix, callSid]) => ({
    method: 'GET',
    path: `${prefix}/calls/${callSid}`,
    query: '',
    body: undefined,
    contentType: undefined,
  })),
  fc
    .tuple(accountPrefix, objectFrom(listProperties, { cleanWithout: ['cursor'] }), fc.boolean())
    .map(([prefix, query, pascal]) => {
      const renamed = Object.fromEntries(
        Object.entries(query).map(([name, value]) => [
          pascal && name in LIST_QUERY_TO_SIGNALWIRE
            ? LIST_QUERY_TO_SIGNALWIRE[name as keyof typeof LIST_QUERY_TO_SIGNALWIRE]
            : name,
          value,
        ]),
      );
      return {
        method: 'GET',
        path: `${prefix}/calls`,
        query: new URLSearchParams(formPairs(renamed)).toString(),
        body: undefined,
        contentType: undefined,
      };
    }),
  // A cursor alone, as a client pages: what reaches the cursor's own checks.
  fc.tuple(accountPrefix, cursor).map(([prefix, value]) => ({
    method: 'GET',
    path: `${prefix}/calls`,
    query: new URLSearchParams({ cursor: value }).toString(),
    body: undefined,
    contentType: undefined,
  })),
);

const IAM = {
  iam: {
    userArn: 'arn:aws:iam::123456789012:user/property-tester',
    accountId: '123456789012',
    callerId: 'AIDAPROPERTYTESTER000',
    accessKey: 'AKIAPROPERTYTESTER00',
    userId: 'AIDAPROPERTYTESTER000',
    cognitoIdentity: null,
    principalOrgId: null,
  },
};
export const ROUTE_KEYS = operatorRouteKeys();
export const host = 'abc123.execute-api.us-east-1.amazonaws.com';

/** The v2 event API Gateway would build for the request, through the local API Gateway's own builder. */
export const httpEvent = (input: HttpInput, routeKey: string, pathParameters: Record<string, string>) =>
  toApiGatewayEvent(
    {
      method: input.method,
      url: `${input.path}${input.query ? `?${input.query}` : ''}`,
      rawHeaders: [
        'Host',
        host,
        ...(input.contentType === undefined ? [] : ['Content-Type', input.contentType]),
      ],
      body: Buffer.from(input.body ?? '', 'utf8'),
      sourceIp: '127.0.0.1',
      localPort: 443,
    },
    {
      routeKey,
      pathParameters,
      accountId: '123456789012',
      apiId: 'abc123',
      requestId: randomBytes(8).toString('hex'),
      authorizer: IAM,
    },
  );

/**
 * A transfer's `dest` as callers write it: SIP URIs, E.164 numbers and SWML URLs, right and wrong (no scheme,
 * a short or zero-led number, a URL with credentials, spaces, control characters).
 */
export const transferDest: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('sip:', 'sips:', 'SIP:'), fc.emailAddress()).map(([scheme, at]) => scheme + at),
  fc.integer({ min: 1_000_000, max: 999_999_999_999_999 }).map((n) => `+${n}`),
  url,
  fc.constantFrom(
    'sip:',
    'desk@example.com',
    '+0123456789',
    '+1415',
    '14155550100',
    'sip:desk @example.com',
    'tel:+14155550100',
    'sip:a\u0000b',
    '',
    // SWML URLs that only the callback URLs' `uri` format refuses.
    'https://example.com/a<b>.swml',
    'https://example.com/50%.swml',
    'https://example.com/a.swml#x#y',
    'https://[1:2]/a.swml',
    'sip:desk%zz@example.com',
  ),
  fc.string({ maxLength: 30 }),
);

/**
 * Details: half as a careful requester writes them (the update's own fields and rules still generated, so
 * many are refused and many applied), half with every field open to mutation and stray fields.
 */
const detail = fc.oneof(
  fc
    .tuple(
      recordFrom(detailProperties, { clean: true }),
      objectFrom(updateProperties),
      fc.constantFrom(...CALL_UPDATE_REQUEST_ACTIONS),
      liveSid(),
      transferDest,
      fc.option(fc.constantFrom(...CALL_APIS), { freq: 3 }),
    )
    .map(([base, update, action, callSid, dest, api]) => {
      const { accountSid: _accountSid, transfer: _transfer, api: _api, ...rest } = base;
      return {
        ...rest,
        callSid,
        action,
        ...(action === 'update' ? { update } : {}),
        ...(action === 'transfer' ? { transfer: { dest } } : {}),
        ...(api === null ? {} : { api }),
      };
    }),
  fc
    .tuple(
      objectFrom(detailProperties),
      objectFrom(updateProperties),
      fc.constantFrom(...CALL_UPDATE_REQUEST_ACTIONS),
      liveSid(),
    )
    .map(([base, update, action, callSid]) =>
      Object.fromEntries([
        ...Object.entries(base),
        ['callSid', callSid],
        ['action', action],
        ['update', update],
      ]),
    ),
  objectFrom(detailProperties),
);

export const requestEvent = fc
  .tuple(
    detail,
    fc.oneof(
      { weight: 8, arbitrary: fc.constant('com.example.crm') },
      { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
    ),
    fc.oneof(
      { weight: 9, arbitrary: fc.constant(CALL_UPDATE_REQUESTED) },
      { weight: 1, arbitrary: fc.string() },
    ),
  )
  .map(
    ([detailValue, source, detailType]): EventBridgeEnvelope => ({
      version: '0',
      // EventBridge always sets the id itself: one request, one id.
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: detailValue as Record<string, unknown>,
    }),
  );

const CALLBACK_FIELDS = [
  'CallSid',
  'AccountSid',
  'CallStatus',
  'SequenceNumber',
  'Timestamp',
  'CallDuration',
  'Direction',
  'From',
  'To',
  'ParentCallSid',
  'AnsweredBy',
  'SipResponseCode',
  'CallbackSource',
];
const callbackValue = (name: string): fc.Arbitrary<unknown> => {
  if (name === 'AccountSid') return fc.oneof(fc.constant('7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d'), sid);
  if (name.endsWith('Sid')) return sid;
  if (name === 'CallStatus')
    return fc.oneof(fc.constantFrom(...CALL_STATUSES, 'answered', 'initiated'), fc.string());
  if (name === 'Timestamp') return dateText;
  if (name === 'SequenceNumber' || name === 'CallDuration')
    return fc.oneof(fc.nat().map(String), fc.string({ maxLength: 5 }));
  return fc.string({ maxLength: 20 });
};
export const callback = fc.tuple(
  fc
    .tuple(
      fc.record(Object.fromEntries(CALLBACK_FIELDS.map((name) => [name, mutated(callbackValue(name))])), {
        requiredKeys: [],
      }),
      fc.array(fc.tuple(strayName, fc.string({ maxLength: 10 })), { maxLength: 3 }),
    )
    .map(([known, stray]) => Object.fromEntries([...Object.entries(known), ...stray])),
  fc.constantFrom('signed', 'signed', 'signed', 'unsigned', 'forged'),
  fc.constantFrom(...MEDIA_TYPES.slice(5, 7), 'application/x-www-form-urlencoded', 'text/plain'),
  // SignalWire sends a callback with GET when the call's StatusCallbackMethod says so.
  fc.constantFrom('POST', 'POST', 'GET'),
);

/**
 * 2xx bodies that are not a usable Call resource: JSON of another type, a Call whose `sid` or `status` has the
 * wrong type or is missing, and a Call with a field nested deeper than any serialiser should follow.
 */
export const oddSuccessBody = (callSid: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('null', 'true', '0', '""', '[]', '[{}]'),
    fc
      .jsonValue()
      .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
      .map((value) => JSON.stringify(value)),
    fc
      .record({
        sid: fc.oneof(fc.constant(undefined), fc.integer(), fc.constant(null), fc.array(fc.string())),
        status: fc.oneof(
          fc.constant('in-progress'),
          fc.constant(undefined),
          fc.integer(),
          fc.dictionary(fc.string(), fc.string()),
        ),
      })
      .map(({ sid, status }) =>
        JSON.stringify({
          ...(sid === undefined ? {} : { sid }),
          ...(status === undefined ? {} : { status }),
        }),
      ),
    fc
      .record({ status: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)) })
      .map(({ status }) => JSON.stringify({ sid: callSid, status })),
    fc.tuple(fc.integer({ min: 17, max: 150_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => {
      const close = open === '[' ? ']' : '}';
      return `{"sid":"${callSid}","status":"in-progress","extra":${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}}`;
    }),
  );

/** A plan for an AWS call that goes wrong: which DynamoDB write, how, and how long the invocation has left. */
export const stalledWrite = fc.record({
  operation: fc.constantFrom('UpdateItem' as const, 'DeleteItem' as const),
  behaviour: fc.constantFrom('stall' as const, 'fail' as const, 'reset' as const),
  remainingMs: fc.integer({ min: 600, max: 1_400 }),
});
