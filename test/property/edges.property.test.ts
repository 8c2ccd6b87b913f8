import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_UPDATE_FAILED, CALL_UPDATED } from '#commons/events/contracts';
import { cursorKey, openCursor } from '#commons/http/cursor-seal';
import { STATUS_CALLBACK_ROUTE } from '#commons/http/routes';
import { LIST_QUERY_TO_SIGNALWIRE } from '#commons/http/schemas';
import { REMEMBERED_SECONDS } from '#commons/platform/settings';
import { parseFilterDate, toSignalWireDate } from '#commons/signalwire/dates';
import { callbackMaxAge, isStaleCallback } from '#commons/status-callbacks/callback-replays';
import { computeSignature } from '#commons/status-callbacks/signature';
import { rfc3339Time } from '#commons/status-callbacks/status-callback';
import { matchRoute, toApiGatewayEvent } from '#local/api-gateway';
import { createLambdaContext } from '#local/lambda-context';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { captureOutput } from '../support/output-capture.ts';
import {
  callback,
  cursorSeal,
  formPairs,
  host,
  httpEvent,
  httpInput,
  ROUTE_KEYS,
  requestEvent,
  seededSids,
} from './arbitraries.ts';

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
/** Everything any handler answered or published, searched for the API token at the end. */
const outputs: string[] = [];

beforeAll(async () => {
  process.env.SIGNALWIRE_TIMEOUT_MS = '2000';
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  stack = await startLocalStack();
  cursorSeal.key = cursorKey(stack.apiToken, stack.projectId);
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

const context = (functionName: string) => createLambdaContext({ functionName, timeoutMs: 30_000 });

const DAY_MS = 86_400_000;
const SIGNALWIRE_NAMES: Record<string, string> = {
  ...LIST_QUERY_TO_SIGNALWIRE,
  ...Object.fromEntries(Object.values(LIST_QUERY_TO_SIGNALWIRE).map((name) => [name, name])),
  Page: 'Page',
  PageToken: 'PageToken',
};

/**
 * What SignalWire must receive for an accepted list request, worked out from the caller's parameters (the
 * query's, or those inside the cursor): SignalWire's names; SIDs in lower case; dates in RFC 2822 GMT; a date
 * alone on an exact StartTime/EndTime as that UTC day (X> its midnight, X< the next), bounds tightened.
 */
const canonicalListQuery = (pairs: Array<[string, string]>): Record<string, string> => {
  const query: Record<string, string> = {};
  const after: Record<string, number> = {};
  const before: Record<string, number> = {};
  for (const [given, value] of pairs) {
    const name = SIGNALWIRE_NAMES[given] ?? given;
    const time = /^(StartTime|EndTime)([<>]?)$/.exec(name);
    if (!time) {
      query[name] = name === 'ParentCallSid' ? value.toLowerCase() : value;
      continue;
    }
    const [, base = '', bound] = time;
    const at = parseFilterDate(value) as number;
    if (bound === '>' || (bound === '' && /^\d{4}-\d{2}-\d{2}$/.test(value))) {
      after[base] = Math.max(after[base] ?? at, at);
    }
    if (bound === '<' || (bound === '' && /^\d{4}-\d{2}-\d{2}$/.test(value))) {
      const end = bound === '<' ? at : at + DAY_MS;
      before[base] = Math.min(before[base] ?? end, end);
    }
    if (bound === '' && !/^\d{4}-\d{2}-\d{2}$/.test(value)) query[name] = toSignalWireDate(at);
  }
  for (const [base, at] of Object.entries(after)) query[`${base}>`] = toSignalWireDate(at);
  for (const [base, at] of Object.entries(before)) query[`${base}<`] = toSignalWireDate(at);
  return query;
};

/** The parameters a list request gave: the query's, or, for a cursor, those the cursor carries. */
const listParameters = (query: string): Array<[string, string]> => {
  const pairs = [...new URLSearchParams(query)];
  const cursor = pairs.find(([name]) => name === 'cursor')?.[1];
  if (cursor === undefined) return pairs;
  const uri = openCursor(cursor)?.uri ?? '';
  return [...new URLSearchParams(uri.slice(uri.indexOf('?') + 1))];
};

const REFUSAL_CODES = new Set([
  'INVALID_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'ROUTE_NOT_FOUND',
  'ACCOUNT_NOT_CONFIGURED',
]);

describe('properties of the operator HTTP API', () => {
  it(`hold for ${HTTP_RUNS} generated requests (seed ${SEED})`, async () => {
    const counts = { refused: 0, reached: 0, listed: 0, cursors: 0 };
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
        // An accepted list request sends List Calls exactly the canonical form of what was validated, once
        // (unless it names the Calling API alone), and reads at most one voice-log page after it.
        if (/^GET .*\/calls$/.test(route.routeKey) && status === 200) {
          counts.listed++;
          if (/(^|&)cursor=/.test(input.query)) counts.cursors++;
          const fresh = stack.emulator.requests.slice(before);
          const listCalls = fresh.filter((request) => request.path.endsWith('/Calls.json'));
          const voiceLogs = fresh.filter((request) => request.path === '/api/voice/logs');
          expect(listCalls.length + voiceLogs.length, body).toBe(sent);
          expect(voiceLogs.length, body).toBeLessThanOrEqual(1);
          const parameters = listParameters(input.query);
          const named = parameters.find(([name]) => name === 'api')?.[1];
          if (named === 'calling') {
            expect(listCalls, body).toHaveLength(0);
            const pageSize = parameters.find(([name]) => /^page_?size$/i.test(name))?.[1] ?? '50';
            expect(voiceLogs[0]?.query.page_size, input.query).toBe(String(Number(pageSize)));
          } else {
            expect(listCalls, body).toHaveLength(1);
            expect(listCalls[0]?.query, input.query).toEqual(
              canonicalListQuery(parameters.filter(([name]) => name !== 'api')),
            );
          }
        }
      }),
      { seed: SEED, numRuns: HTTP_RUNS, endOnFailure: true },
    );
    // The generators reach both sides of the validation, or the properties above say little.
    expect(counts.refused).toBeGreaterThan(HTTP_RUNS / 10);
    expect(counts.reached).toBeGreaterThan(HTTP_RUNS / 20);
    // Accepted lists, from queries and from cursors, are compared with their canonical form.
    expect(counts.listed).toBeGreaterThan(HTTP_RUNS / 50);
    expect(counts.cursors).toBeGreaterThan(HTTP_RUNS / 200);
  }, 120_000);
});

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
        const results = outcomes(event.id);
        expect(results, JSON.stringify(event).slice(0, 2000)).toHaveLength(1);
        const outcome = results[0]?.envelope;
        outputs.push(...stack.aws.putEvents.slice(published).map((e) => JSON.stringify(e.envelope)));
        const error = outcome?.detail.error as
          | { code: string; violations?: Array<{ field: string; rule: string }> }
          | undefined;
        // A field the call's API lacks (rule `api`) can only be known once the owner is: when the event names
        // no API, the service reads first (never a change), then refuses.
        const ownerRead =
          event.detail.api === undefined &&
          (error?.violations ?? []).length > 0 &&
          (error?.violations ?? []).every((violation) => violation.rule === 'api');
        if (error?.code === 'INVALID_REQUEST') {
          counts.refused++;
          const requests = stack.emulator.requests.slice(before);
          expect(ownerRead ? requests.filter((r) => r.method !== 'GET') : requests).toEqual([]);
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

describe('properties of the status-callback webhook', () => {
  it(`hold for ${CALLBACK_RUNS} generated callbacks (seed ${SEED})`, async () => {
    const accepted = { GET: 0, POST: 0 };
    const counts = { stale: 0 };
    /** Signed callbacks already accepted (fast-check may generate the same one twice). */
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(callback, async ([record, signing, contentType, method]) => {
        const params = formPairs(record);
        const encoded = new URLSearchParams(params).toString();
        // A GET callback carries its parameters in the query and is signed over the URL alone.
        const path =
          method === 'GET' && encoded
            ? `${STATUS_CALLBACK_ROUTE.path}?${encoded}`
            : STATUS_CALLBACK_ROUTE.path;
        const body = method === 'GET' ? '' : encoded;
        const signed: Array<[string, string]> = method === 'GET' ? [] : params;
        // The local API Gateway serves plain http and sets X-Forwarded-Proto accordingly, as API Gateway does.
        const url = `http://${host}${path}`;
        const signature =
          signing === 'signed'
            ? computeSignature(stack.signingKey, url, signed)
            : signing === 'forged'
              ? computeSignature('PSK_wrong', url, signed)
              : undefined;
        const event = toApiGatewayEvent(
          {
            method,
            url: path,
            rawHeaders: [
              'Host',
              host,
              ...(method === 'GET' ? [] : ['Content-Type', contentType]),
              ...(signature ? ['X-SignalWire-Signature', signature] : []),
            ],
            body: Buffer.from(body),
            sourceIp: '127.0.0.1',
            localPort: 443,
          },
          {
            routeKey: `${method} ${STATUS_CALLBACK_ROUTE.path}`,
            accountId: '123456789012',
            apiId: 'abc123',
            requestId: randomBytes(8).toString('hex'),
          },
        );
        const published = stack.aws.putEvents.length;
        const result = await statusCallback(structuredClone(event), context('call-control-status-callback'));
        outputs.push(String(result.body ?? ''));
        expect(result.statusCode ?? 200, String(result.body)).toBeLessThan(500);
        if ((result.statusCode ?? 200) < 300) {
          accepted[method] += 1;
          // A signed callback seen for the first time is published once, unless its Timestamp is older than the
          // replay window (the local stack's default) allows; the same request again, not at all.
          const key = `${method} ${path} ${body}`;
          const timestamp = params.find(([name]) => name === 'Timestamp')?.[1];
          const stale = isStaleCallback(
            timestamp ? rfc3339Time(Date.parse(timestamp)) : null,
            new Date(),
            callbackMaxAge(REMEMBERED_SECONDS.default),
          );
          counts.stale += stale ? 1 : 0;
          expect(stack.aws.putEvents.length - published, key).toBe(seen.has(key) || stale ? 0 : 1);
          seen.add(key);
          const again = stack.aws.putEvents.length;
          const replay = await statusCallback(
            structuredClone(event),
            context('call-control-status-callback'),
          );
          expect(replay.statusCode, String(replay.body)).toBe(result.statusCode);
          expect(stack.aws.putEvents.length - again, `replay of ${key}`).toBe(0);
        }
        // Without the project's signature nothing is published, whatever else is wrong with the request.
        if (signing !== 'signed') {
          expect([403, 413, 415]).toContain(result.statusCode);
          expect(stack.aws.putEvents.length).toBe(published);
        }
      }),
      { seed: SEED, numRuns: CALLBACK_RUNS, endOnFailure: true },
    );
    // Both methods SignalWire may use must reach the accepting path, not only the refusals.
    expect(accepted.GET).toBeGreaterThan(5);
    expect(accepted.POST).toBeGreaterThan(5);
    // Both sides of the replay window's Timestamp limit: dropped as too old, and published.
    expect(counts.stale).toBeGreaterThan(0);
    expect(accepted.GET + accepted.POST - counts.stale).toBeGreaterThan(5);
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
