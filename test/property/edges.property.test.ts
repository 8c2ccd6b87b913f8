import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUpdateSchema } from '#commons/call-update-schema';
import {
  CALL_UPDATE_FAILED,
  CALL_UPDATE_REQUEST_ACTIONS,
  CALL_UPDATE_REQUESTED,
  CALL_UPDATED,
  callUpdateRequestedEventSchema,
} from '#commons/events/contracts';
import { computeSignature } from '#commons/events/signature';
import { operatorRouteKeys, STATUS_CALLBACK_ROUTE } from '#commons/http/routes';
import { LIST_QUERY_TO_SIGNALWIRE, listCallsEventSchema } from '#commons/http/schemas';
import { CALL_STATUSES } from '#commons/signalwire/types';
import { RESERVED_KEYS } from '#commons/validation';
import { matchRoute, toApiGatewayEvent } from '#local/api-gateway';
import type { EventBridgeEnvelope } from '#local/aws-emulator';
import { createLambdaContext } from '#local/lambda-context';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { captureOutput } from '../support/output-capture.ts';

/**
 * Property-based edges of every input path: the operator HTTP API (real v2 events through the real middy
 * chain), "Call Update Requested" events (the real event function, publishing through the real SDK client to
 * the local EventBridge) and SignalWire's status callbacks. Inputs are derived from the project's own schemas
 * and field lists, then mutated: wrong types, arrays, reserved and empty names, huge and unknown fields, bad
 * URLs, ports, dates and offsets, odd media types.
 *
 * The seed is fixed so that a run is repeatable; `FC_SEED=<integer> npm test` (or `npx vitest run
 * test/property`) runs the same properties on other inputs. A failure prints the seed and the shrunk input.
 */

const SEED = Number(process.env.FC_SEED ?? 20_261_129);
const HTTP_RUNS = 7000;
const EVENT_RUNS = 1500;
const CALLBACK_RUNS = 1500;

const output = captureOutput();
let stack: LocalStack;
let httpApi: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let statusCallback: typeof httpApi;
/** The calls the emulator holds: fixed SIDs, so a seed always generates the same requests. */
const seededSids = Array.from(
  { length: 40 },
  (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
);
/** A well-formed project SID the secret does not hold. */
const OTHER_PROJECT = '11111111-2222-4333-8444-555555555555';
/** Everything any handler answered or published, searched for the API token at the end. */
const outputs: string[] = [];

beforeAll(async () => {
  process.env.SIGNALWIRE_TIMEOUT_MS = '2000';
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  stack = await startLocalStack();
  ({ handler: httpApi } = (await import('../../functions/http-api.ts')) as unknown as {
    handler: typeof httpApi;
  });
  ({ handler: statusCallback } = (await import('../../functions/status-callback.ts')) as unknown as {
    handler: typeof httpApi;
  });
  for (const [i, sid] of seededSids.entries()) {
    const status = (['in-progress', 'ringing', 'queued', 'completed'] as const)[i % 4] ?? 'in-progress';
    stack.emulator.seedCall(stack.projectId, { sid, status, ageSeconds: 600 });
  }
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

// ---------------------------------------------------------------------------------------------------------
// Arbitraries derived from the schemas
// ---------------------------------------------------------------------------------------------------------

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

/** Cursors: what this API hands out, and forgeries carrying filters in every spelling. */
const cursor: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d', OTHER_PROJECT),
    fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...Object.values(LIST_QUERY_TO_SIGNALWIRE), 'Page', 'PageToken'), strayName),
        fc.oneof(
          dateText,
          fc.constantFrom(...CALL_STATUSES),
          fc.integer({ min: -2, max: 2000 }).map(String),
          fc.string(),
        ),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([project, params]) =>
    Buffer.from(
      `/api/laml/2010-04-01/Accounts/${project}/Calls.json?${new URLSearchParams(params).toString()}`,
    ).toString('base64url'),
  );

// ---------------------------------------------------------------------------------------------------------
// HTTP requests
// ---------------------------------------------------------------------------------------------------------

const MEDIA_TYPES = [
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
const formPairs = (record: Record<string, unknown>): Array<[string, string]> =>
  Object.entries(record).flatMap(([name, value]) =>
    Array.isArray(value)
      ? value.map((item) => [name, String(item)] as [string, string])
      : [[name, String(value)]],
  );

interface HttpInput {
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
        .tuple(fc.constantFrom(...MEDIA_TYPES), fc.string({ maxLength: 60 }))
        .map(([type, body]) => ({ type, body })),
    },
  );

const httpInput: fc.Arbitrary<HttpInput> = fc.oneof(
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
const ROUTE_KEYS = operatorRouteKeys();
const host = 'abc123.execute-api.us-east-1.amazonaws.com';

/** The v2 event API Gateway would build for the request, through the local API Gateway's own builder. */
const httpEvent = (input: HttpInput, routeKey: string, pathParameters: Record<string, string>) =>
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

const context = (functionName: string) => createLambdaContext({ functionName, timeoutMs: 30_000 });

const REFUSAL_CODES = new Set([
  'INVALID_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'ROUTE_NOT_FOUND',
  'ACCOUNT_NOT_CONFIGURED',
]);

describe('properties of the operator HTTP API', () => {
  it(`hold for ${HTTP_RUNS} generated requests (seed ${SEED})`, async () => {
    const counts = { refused: 0, reached: 0 };
    await fc.assert(
      fc.asyncProperty(httpInput, async (input) => {
        const route = matchRoute(ROUTE_KEYS, input.method, input.path);
        if (!route) return; // API Gateway answers 404 itself; nothing reaches the function.
        const before = stack.emulator.requests.length;
        const result = await httpApi(
          httpEvent(input, route.routeKey, route.pathParameters),
          context('call-control-http-api'),
        );
        const sent = stack.emulator.requests.length - before;
        const body = String(result.body ?? '');
        outputs.push(body);
        const status = result.statusCode ?? 200;
        expect(status, body).toBeLessThan(500);
        const error = body
          ? (JSON.parse(body) as { error?: { code: string; violations?: Array<{ field: string }> } }).error
          : undefined;
        if (error && REFUSAL_CODES.has(error.code)) {
          counts.refused++;
          expect(sent, `refused input reached SignalWire: ${body}`).toBe(0);
        } else {
          counts.reached++;
        }
        if (status === 400) {
          expect(error?.violations?.length, body).toBeGreaterThan(0);
          for (const violation of error?.violations ?? []) expect(violation.field, body).not.toBe('');
        }
        // Accepted input is never input SignalWire refuses as invalid.
        expect(error?.code, body).not.toBe('UPSTREAM_REJECTED');
      }),
      { seed: SEED, numRuns: HTTP_RUNS, endOnFailure: true },
    );
    // The generators reach both sides of the validation, or the properties above say little.
    expect(counts.refused).toBeGreaterThan(HTTP_RUNS / 10);
    expect(counts.reached).toBeGreaterThan(HTTP_RUNS / 20);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------
// "Call Update Requested" events
// ---------------------------------------------------------------------------------------------------------

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
    )
    .map(([base, update, action, callSid]) => {
      const { accountSid: _accountSid, ...rest } = base;
      return { ...rest, callSid, action, ...(action === 'update' ? { update } : {}) };
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

const requestEvent = fc
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

describe('properties of the event function', () => {
  it(`hold for ${EVENT_RUNS} generated "Call Update Requested" events (seed ${SEED})`, async () => {
    const outcomes = (id: string) =>
      stack.aws.putEvents.filter(
        (event) =>
          (event.envelope['detail-type'] === CALL_UPDATED ||
            event.envelope['detail-type'] === CALL_UPDATE_FAILED) &&
          event.envelope.detail.requestEventId === id,
      );
    const counts = { refused: 0, applied: 0 };
    await fc.assert(
      fc.asyncProperty(requestEvent, async (event) => {
        const before = stack.emulator.requests.length;
        const published = stack.aws.putEvents.length;
        // The invocation ends normally: a throw would make Lambda retry and, after that, drop the request.
        await stack.deliverCallUpdateRequested(structuredClone(event));
        const sent = stack.emulator.requests.length - before;
        const results = outcomes(event.id);
        expect(results, JSON.stringify(event).slice(0, 2000)).toHaveLength(1);
        const outcome = results[0]?.envelope;
        outputs.push(...stack.aws.putEvents.slice(published).map((e) => JSON.stringify(e.envelope)));
        const error = outcome?.detail.error as
          | { code: string; violations?: Array<{ field: string }> }
          | undefined;
        if (error?.code === 'INVALID_REQUEST') {
          counts.refused++;
          expect(sent).toBe(0);
          expect(error.violations?.length).toBeGreaterThan(0);
          for (const violation of error.violations ?? []) expect(violation.field).not.toBe('');
        } else {
          counts.applied++;
        }
        expect(error?.code).not.toBe('UPSTREAM_REJECTED');
        expect(error?.code).not.toBe('INTERNAL_ERROR');
      }),
      { seed: SEED, numRuns: EVENT_RUNS, endOnFailure: true },
    );
    expect(stack.aws.refusedEntries).toEqual([]);
    expect(stack.aws.undeliverable).toEqual([]);
    expect(counts.refused).toBeGreaterThan(EVENT_RUNS / 10);
    expect(counts.applied).toBeGreaterThan(EVENT_RUNS / 20);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------
// Status callbacks
// ---------------------------------------------------------------------------------------------------------

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
const callback = fc.tuple(
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
);

describe('properties of the status-callback webhook', () => {
  it(`hold for ${CALLBACK_RUNS} generated callbacks (seed ${SEED})`, async () => {
    const routeKey = `${STATUS_CALLBACK_ROUTE.method} ${STATUS_CALLBACK_ROUTE.path}`;
    await fc.assert(
      fc.asyncProperty(callback, async ([record, signing, contentType]) => {
        const params = formPairs(record);
        const body = new URLSearchParams(params).toString();
        const url = `https://${host}${STATUS_CALLBACK_ROUTE.path}`;
        const signature =
          signing === 'signed'
            ? computeSignature(stack.signingKey, url, params)
            : signing === 'forged'
              ? computeSignature('PSK_wrong', url, params)
              : undefined;
        const event = toApiGatewayEvent(
          {
            method: 'POST',
            url: STATUS_CALLBACK_ROUTE.path,
            rawHeaders: [
              'Host',
              host,
              'Content-Type',
              contentType,
              'X-Forwarded-Proto',
              'https',
              ...(signature ? ['X-SignalWire-Signature', signature] : []),
            ],
            body: Buffer.from(body),
            sourceIp: '127.0.0.1',
            localPort: 443,
          },
          { routeKey, accountId: '123456789012', apiId: 'abc123', requestId: randomBytes(8).toString('hex') },
        );
        const published = stack.aws.putEvents.length;
        const result = await statusCallback(event, context('call-control-status-callback'));
        outputs.push(String(result.body ?? ''));
        expect(result.statusCode ?? 200, String(result.body)).toBeLessThan(500);
        // Without the project's signature nothing is published, whatever else is wrong with the request.
        if (signing !== 'signed') {
          expect([403, 413, 415]).toContain(result.statusCode);
          expect(stack.aws.putEvents.length).toBe(published);
        }
      }),
      { seed: SEED, numRuns: CALLBACK_RUNS, endOnFailure: true },
    );
  }, 120_000);
});

describe('secrecy', () => {
  it('no answer, published event or log line carries the API token', () => {
    const token = stack.apiToken;
    expect(outputs.length).toBeGreaterThan(HTTP_RUNS / 2);
    for (const text of outputs) expect(text.includes(token)).toBe(false);
    expect(output.lines.join('').includes(token)).toBe(false);
    expect(JSON.stringify(stack.aws.putEvents.map((event) => event.envelope)).includes(token)).toBe(false);
  });
});
