import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { transferDestSchema } from '#commons/calls/call-update-schema';
import { COMPATIBILITY_ONLY_FIELDS } from '#commons/calls/native-calls';
import { CALL_UPDATE_FAILED, CALL_UPDATE_REQUESTED, CALL_UPDATED } from '#commons/events/contracts';
import { uri } from '#commons/validation/formats';
import type { EventBridgeEnvelope, PublishedEvent } from '#local/aws-emulator';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { captureOutput } from '../support/output-capture.ts';
import { transferDest } from './arbitraries.ts';

/**
 * Properties of native calls over the real event function (the local stack: real consumer, real call service,
 * real Calling API adapter, the emulator's native and Compatibility APIs):
 * - input that is refused (a field the call's kind lacks, a malformed `dest` or `Url`, an unknown `api`) is
 *   refused by name and reaches neither API: the emulator records no request at all;
 * - a native redirect (`update` with `url`, `calling.transfer`) is applied at most once, and never sent again
 *   once it may have been sent, whatever SignalWire answers (5xx, a reset connection, an odd 2xx body, a 429)
 *   and even when the event is delivered twice.
 */

const SEED = Number(process.env.FC_SEED ?? 20_261_206);
const REFUSED_RUNS = 300;
const REDIRECT_RUNS = 80;

const output = captureOutput();
let stack: LocalStack;

beforeAll(async () => {
  process.env.SIGNALWIRE_TIMEOUT_MS = '800';
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

beforeEach(() => {
  stack.emulator.clearRequests();
  stack.emulator.clearFaults();
  stack.aws.targetErrors.length = 0;
});

const envelope = (detail: Record<string, unknown>): EventBridgeEnvelope => ({
  version: '0',
  id: randomUUID(),
  'detail-type': CALL_UPDATE_REQUESTED,
  source: 'com.example.crm',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail,
});

const resultsFor = (id: string): PublishedEvent['envelope'][] =>
  stack.aws.putEvents
    .filter(
      (e) =>
        (e.envelope['detail-type'] === CALL_UPDATED || e.envelope['detail-type'] === CALL_UPDATE_FAILED) &&
        e.envelope.detail.requestEventId === id,
    )
    .map((e) => e.envelope);

// The schema's pattern, and for an http(s) URL the callback URLs' `uri` format (its anyOf).
const isDest = (value: string) =>
  value.length <= 2048 &&
  new RegExp(transferDestSchema.pattern).test(value) &&
  (!/^https?:/i.test(value) || uri(value));
const goodDest = transferDest.filter(isDest);
const badDest = transferDest.filter((value) => !isDest(value));
const goodUrl = fc.webUrl().filter((value) => /^https?:\/\/[^\s@]+$/.test(value) && value.length < 2048);
const badUrl = fc.oneof(
  fc.constantFrom(
    '/relative.swml',
    'ftp://example.com/a',
    'https://user:pw@example.com/a',
    'https://',
    'https://example.com:99999/a',
    'javascript:alert(1)',
    'sip:desk@example.com',
  ),
  fc.string({ maxLength: 20 }).filter((value) => !/^https?:\/\//i.test(value)),
);
const method = fc.constantFrom('GET', 'POST');

/** A request that must be refused, the field its refusal must name, and the kind of call it targets. */
interface Refused {
  kind: 'native' | 'compatibility';
  detail: Record<string, unknown>;
  field: string;
}

const refused: fc.Arbitrary<Refused> = fc.oneof(
  // A Compatibility-only field, for a call the request says is native.
  fc
    .tuple(fc.constantFrom(...COMPATIBILITY_ONLY_FIELDS), goodUrl, method, fc.boolean())
    .map(([field, url, verb, redirect]): Refused => {
      const update: Record<string, string> = redirect ? { Url: url } : { Status: 'completed' };
      if (field === 'Method') Object.assign(update, { Url: url, Method: verb });
      if (field === 'FallbackMethod') Object.assign(update, { FallbackUrl: url, FallbackMethod: verb });
      if (field === 'StatusCallback') update.StatusCallback = url;
      if (field === 'StatusCallbackMethod')
        Object.assign(update, { StatusCallback: url, StatusCallbackMethod: verb });
      if (update.Url !== undefined) delete update.Status;
      return { kind: 'native', detail: { action: 'update', api: 'calling', update }, field };
    }),
  // FallbackUrl without a redirect, for a native call.
  goodUrl.map(
    (url): Refused => ({
      kind: 'native',
      detail: { action: 'update', api: 'calling', update: { FallbackUrl: url, Status: 'completed' } },
      field: 'FallbackUrl',
    }),
  ),
  // A transfer, for a call the request says is a Compatibility call.
  goodDest.map(
    (dest): Refused => ({
      kind: 'compatibility',
      detail: { action: 'transfer', api: 'compatibility', transfer: { dest } },
      field: 'transfer',
    }),
  ),
  // A malformed destination, whichever API is named (or none).
  fc
    .tuple(
      badDest,
      fc.constantFrom('calling', 'compatibility', undefined),
      fc.constantFrom('native', 'compatibility'),
    )
    .map(
      ([dest, api, kind]): Refused => ({
        kind: kind as Refused['kind'],
        detail: { action: 'transfer', ...(api ? { api } : {}), transfer: { dest } },
        field: 'dest',
      }),
    ),
  // A malformed redirect URL, for either kind.
  fc.tuple(badUrl, fc.constantFrom('native', 'compatibility')).map(
    ([url, kind]): Refused => ({
      kind: kind as Refused['kind'],
      detail: { action: 'update', update: { Url: url } },
      field: 'Url',
    }),
  ),
  // An API this project does not know.
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom('laml', 'relay', 'Calling', 'native', '', 'COMPATIBILITY'),
        fc.string({ maxLength: 12 }),
      ),
      fc.constantFrom('native', 'compatibility'),
    )
    .filter(([api]) => api !== 'calling' && api !== 'compatibility')
    .map(
      ([api, kind]): Refused => ({
        kind: kind as Refused['kind'],
        detail: { action: 'terminate', api },
        field: 'api',
      }),
    ),
);

describe('refused native input', () => {
  it(`is refused by name and reaches neither API (${REFUSED_RUNS} requests, seed ${SEED})`, async () => {
    const native = stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: 30 });
    const compatibility = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 30 });
    await fc.assert(
      fc.asyncProperty(refused, async ({ kind, detail, field }) => {
        stack.emulator.clearRequests();
        const event = envelope({ callSid: kind === 'native' ? native.id : compatibility.sid, ...detail });

        await stack.deliverCallUpdateRequested(event);

        const results = resultsFor(event.id);
        expect(results, JSON.stringify(detail)).toHaveLength(1);
        const failure = results[0]?.detail as {
          final: boolean;
          error: { code: string; violations?: Array<{ field: string }> };
        };
        expect(failure.final).toBe(true);
        expect(failure.error.code).toBe('INVALID_REQUEST');
        expect(
          failure.error.violations?.map((v) => v.field),
          JSON.stringify(detail),
        ).toContain(field);
        expect(stack.emulator.requests, JSON.stringify(detail)).toEqual([]);
      }),
      { seed: SEED, numRuns: REFUSED_RUNS, endOnFailure: true },
    );
    expect(stack.aws.targetErrors).toEqual([]);
    expect(stack.emulator.native.redirectsOf(stack.projectId, native.id)).toEqual([]);
    expect(stack.emulator.native.transfersOf(stack.projectId, native.id)).toEqual([]);
  }, 120_000);
});

/** 2xx bodies that are not a usable native call: another JSON type, a call without a string id or with an unknown status, deep nesting. */
const oddNativeBody = (id: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('null', 'true', '0', '""', '[]', '[{}]', 'not json', '{"id":'),
    fc
      .record({
        id: fc.oneof(fc.constant(undefined), fc.integer(), fc.constant(null), fc.array(fc.string())),
        status: fc.oneof(fc.constant('answered'), fc.constant(undefined)),
      })
      .map(({ id: odd, status }) =>
        JSON.stringify({ ...(odd === undefined ? {} : { id: odd }), ...(status ? { status } : {}) }),
      ),
    fc
      .oneof(fc.integer(), fc.boolean(), fc.constantFrom('in-progress', 'ANSWERED', 'live'))
      .map((status) => JSON.stringify({ id, status })),
  );

type Answer =
  | { kind: 'status'; status: 500 | 502 | 504; applyFirst: boolean }
  | { kind: 'drop'; applyFirst: boolean }
  | { kind: 'garble'; body: string }
  | { kind: 'throttled' }
  | { kind: 'ok' };

const answer = (id: string): fc.Arbitrary<Answer> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('status' as const),
      status: fc.constantFrom(500, 502, 504),
      applyFirst: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('drop' as const), applyFirst: fc.boolean() }),
    oddNativeBody(id).map((body): Answer => ({ kind: 'garble', body })),
    fc.constant<Answer>({ kind: 'throttled' }),
    fc.constant<Answer>({ kind: 'ok' }),
  );

const change = fc.oneof(
  goodUrl.map((url) => ({ action: 'update', update: { Url: url } })),
  goodDest.map((dest) => ({ action: 'transfer', transfer: { dest } })),
);

describe('a native redirect', () => {
  it(`is applied at most once and never sent again once it may have been sent (${REDIRECT_RUNS} plans, seed ${SEED})`, async () => {
    // `at`: the fault hits the native command, or the first POST of the request (for an update that names no
    // API, the Compatibility update sent first: write-first).
    const plans = fc
      .tuple(change, fc.boolean(), fc.constantFrom('native' as const, 'first' as const))
      .chain(([asked, named, at]) => answer('pending').map((fault) => ({ asked, named, at, fault })));
    await fc.assert(
      fc.asyncProperty(plans, async ({ asked, named, at, fault }) => {
        stack.emulator.clearRequests();
        stack.emulator.clearFaults();
        const call = stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: 30 });
        const where = {
          method: 'POST' as const,
          ...(at === 'native' ? { pathPrefix: '/api/calling/' } : {}),
        };
        if (fault.kind === 'status') stack.emulator.injectFault({ ...fault, ...where, times: 1 });
        if (fault.kind === 'drop') stack.emulator.injectFault({ ...fault, ...where, times: 1 });
        if (fault.kind === 'garble')
          stack.emulator.injectFault({
            kind: 'garble',
            body: fault.body.replace('pending', call.id),
            ...where,
          });
        if (fault.kind === 'throttled')
          stack.emulator.injectFault({ kind: 'status', status: 429, retryAfter: '0', ...where, times: 1 });
        const event = envelope({ callSid: call.id, ...asked, ...(named ? { api: 'calling' } : {}) });

        await stack.deliverCallUpdateRequested(structuredClone(event));
        await stack.deliverCallUpdateRequested(structuredClone(event));

        const applied =
          stack.emulator.native.redirectsOf(stack.projectId, call.id).length +
          stack.emulator.native.transfersOf(stack.projectId, call.id).length;
        const posts = stack.emulator.requests.filter((r) => r.method === 'POST');
        const commands = posts.filter((r) => r.path.startsWith('/api/calling/'));
        const compatibility = posts.filter((r) => r.path.startsWith('/api/laml/'));
        const [first, again] = resultsFor(event.id);
        const plan = JSON.stringify({ asked, named, at, fault });
        expect(resultsFor(event.id), plan).toHaveLength(2);
        expect(applied, plan).toBeLessThanOrEqual(1);
        // Write-first: only an update naming no API goes to the Compatibility API first (its 404 applies nothing).
        const writeFirst = !named && asked.action === 'update';
        // A redirect sent after more than staleAfterMs (4 s) without an exchange is preceded by a safe GET of the
        // call (signalwire/client.ts): for a native call it answers 404, so nothing is written to the
        // Compatibility API and the native command is the first POST. Which happens depends on the plan's timing.
        const probed =
          writeFirst &&
          stack.emulator.requests.find((r) => r.path.startsWith('/api/laml/'))?.method === 'GET';
        const compatibilityWrite = writeFirst && !probed;
        const faultAt = at === 'first' && compatibilityWrite ? 'compatibility' : 'native';
        const throttled = (side: string) => (fault.kind === 'throttled' && faultAt === side ? 2 : 1);
        expect(compatibility.length, plan).toBe(compatibilityWrite ? throttled('compatibility') : 0);
        // A 429 is answered before anything is done: the one request it refused is sent again, once.
        expect(commands.length, plan).toBeLessThanOrEqual(throttled('native'));
        expect(again?.detail.replayed, plan).toBe(true);
        expect(again?.['detail-type']).toBe(first?.['detail-type']);
        if (fault.kind === 'ok' || fault.kind === 'throttled') {
          expect(first?.['detail-type'], plan).toBe(CALL_UPDATED);
          expect(first?.detail).toMatchObject({ api: 'calling', outcome: 'updated' });
          expect(applied, plan).toBe(1);
        } else {
          expect(first?.['detail-type'], plan).toBe(CALL_UPDATE_FAILED);
          expect(first?.detail).toMatchObject({ final: true, error: { code: 'REDIRECT_OUTCOME_UNKNOWN' } });
          // A Compatibility update that may have been applied is never followed by the native one.
          if (faultAt === 'compatibility') expect(commands, plan).toHaveLength(0);
        }
        expect(stack.aws.targetErrors, plan).toEqual([]);
      }),
      { seed: SEED, numRuns: REDIRECT_RUNS, endOnFailure: true },
    );
  }, 180_000);
});
