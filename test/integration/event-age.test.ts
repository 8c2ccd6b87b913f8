import { randomUUID } from 'node:crypto';
import { IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { withNativeCalls } from '#commons/calls/native-calls';
import { createCallService } from '#commons/calls/service';
import {
  CALL_UPDATE_REQUESTED,
  type CallUpdateRequestedEvent,
  DEFAULT_EVENT_SOURCE,
} from '#commons/events/contracts';
import { EventBridgePublisher } from '#commons/events/publisher';
import { readSignalWireConfig } from '#commons/platform/config';
import { freshnessOf } from '#commons/platform/freshness';
import { logger } from '#commons/platform/powertools';
import { REMEMBERED_SECONDS } from '#commons/platform/settings';
import { createSignalWireAccess } from '#commons/signalwire/access';
import { createCallUpdateIdempotency, rememberAgain } from '#commons/update-requests/idempotency';
import type { EventBridgeEnvelope } from '#local/aws-emulator';
import { createLambdaContext } from '#local/lambda-context';
import { answerInternalServerError, startDynamoDbProxy } from '../support/dynamodb-proxy.ts';
import { callUpdateEvents, localIdempotencyStore, SOURCE } from '../support/event-bus.ts';
import { useLocalStack } from '../support/local-stack-suite.ts';

/**
 * The event's `time` against the idempotency window, on the real event function behind the local rule (its
 * `event-rule` alias). An archive replay delivers an event with its original `time` (and `id`) plus
 * `replay-name`; a replay days later is emulated by the same envelope with its `time` moved back by as much, and
 * its idempotency record gone, as DynamoDB's TTL (and Powertools' own expiry check) leaves it by then.
 */

const { stack, output } = useLocalStack({ POWERTOOLS_LOG_LEVEL: 'INFO' });
const { request, envelopeOf, resultsFor, onlyResult, updated, failed } = callUpdateEvents(stack);

/** The local stack's window (IDEMPOTENCY_TTL_SECONDS unset) and how old an event may be within it. */
const { maxAgeSeconds, toleranceSeconds } = freshnessOf(REMEMBERED_SECONDS.default);

const seed = () => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });
const postsTo = (sid: string) =>
  stack.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/Calls/${sid}.json`));
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
/** The WARN lines written after the first `before` log records. */
const warningsSince = (before: number) =>
  output
    .records()
    .slice(before)
    .filter((line) => line.level === 'WARN');

/** Removes a request's idempotency record, as its TTL does once the window has passed. */
const expireRecord = async (envelope: EventBridgeEnvelope) => {
  await localIdempotencyStore(stack).persistenceStore.deleteRecord(
    envelope as unknown as Parameters<
      ReturnType<typeof localIdempotencyStore>['persistenceStore']['deleteRecord']
    >[0],
  );
};

/** A "Call Update Requested" envelope as EventBridge delivers it, with `time` as given (absent when undefined). */
const envelope = (detail: Record<string, unknown>, time: unknown): EventBridgeEnvelope =>
  ({
    version: '0',
    id: randomUUID(),
    'detail-type': CALL_UPDATE_REQUESTED,
    source: SOURCE,
    account: '123456789012',
    ...(time === undefined ? {} : { time }),
    region: 'us-east-1',
    resources: [],
    detail,
  }) as EventBridgeEnvelope;

describe('a replayed "Call Update Requested": its EventBridge time against the idempotency window', () => {
  it('refuses an archive replay of a redirect older than the window with a final EVENT_TOO_OLD: no SignalWire request, audited with its replay-name, not retried', async () => {
    const call = seed();
    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/first.xml' },
    });
    expect(postsTo(call.sid)).toHaveLength(1);
    const original = envelopeOf(eventId);
    await expireRecord(original);
    stack.emulator.clearRequests();
    const before = output.records().length;
    const twoDaysAgo = secondsAgo(2 * 86_400);

    await stack.deliverCallUpdateRequested({
      ...original,
      time: twoDaysAgo,
      'replay-name': 'crm-outage-replay',
    } as EventBridgeEnvelope);

    expect(stack.emulator.requests).toEqual([]);
    expect(stack.aws.targetErrors).toEqual([]);
    const [first, second] = resultsFor(eventId);
    expect(updated(first).replayed).toBe(false);
    const refused = failed(second);
    expect(refused).toMatchObject({
      requestEventId: eventId,
      callSid: call.sid,
      action: 'update',
      final: true,
      replayed: false,
      error: {
        code: 'EVENT_TOO_OLD',
        retryable: false,
        eventTime: twoDaysAgo,
        maxEventAgeSeconds: maxAgeSeconds,
      },
    });
    expect(refused.error.message).toContain(twoDaysAgo);
    expect(refused.error.message).toContain(`${maxAgeSeconds} s`);
    // Its table was read and held no record: nothing for an operator to look into.
    expect(warningsSince(before)).toEqual([]);
    expect(output.audits(before)).toEqual([
      expect.objectContaining({
        trigger: 'event',
        callSid: call.sid,
        change: { Url: 'https://example.com/first.xml' },
        outcome: 'rejected',
        errorCode: 'EVENT_TOO_OLD',
        reason: refused.error.message,
        actor: expect.objectContaining({
          attested: expect.objectContaining({ replayName: 'crm-outage-replay', account: '123456789012' }),
        }),
      }),
    ]);
  });

  it("answers a producer's late retry of a redirect that succeeded, older than the window, with its recorded outcome: no failure, nothing sent", async () => {
    const call = seed();
    const detail = {
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/late-retry.xml' },
      idempotencyKey: `crm-late-${randomUUID()}`,
    };
    const first = await request(detail);
    const store = localIdempotencyStore(stack).persistenceStore;
    const firstExpiry = (await store.getRecord(envelopeOf(first) as never)).expiryTimestamp as number;
    stack.emulator.clearRequests();
    const before = output.records().length;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // The producer's retry under the same key, whose EventBridge time is older than the window (its record, renewed
    // by a later duplicate or not yet removed by the TTL, still holds the outcome).
    const retry = envelope(detail, secondsAgo(maxAgeSeconds + 60));

    await stack.deliverCallUpdateRequested(retry);

    expect(stack.emulator.requests).toEqual([]);
    expect(stack.aws.targetErrors).toEqual([]);
    const replay = updated(onlyResult(retry.id));
    expect(replay).toEqual({ ...updated(onlyResult(first)), requestEventId: retry.id, replayed: true });
    expect(output.audits(before)).toEqual([]);
    // Kept for another window from this duplicate, as every replay is.
    const renewed = (await store.getRecord(envelopeOf(first) as never)).expiryTimestamp as number;
    expect(renewed).toBeGreaterThan(firstExpiry);
  });

  it.each([
    ['names the default project, the late retry leaves accountSid out', true],
    ['leaves accountSid out, the late retry names the default project', false],
  ])(
    'answers a late retry in the other project form (the request %s) with its recorded outcome, as a fresh one is: nothing sent',
    async (_order, namedFirst) => {
      const call = seed();
      const detail = {
        callSid: call.sid,
        action: 'update',
        update: { Url: 'https://example.com/late-default-project.xml' },
        idempotencyKey: `crm-late-project-${randomUUID()}`,
      };
      const named = { ...detail, accountSid: stack.projectId };
      const first = await request(namedFirst ? named : detail);
      stack.emulator.clearRequests();
      const retry = envelope(namedFirst ? detail : named, secondsAgo(maxAgeSeconds + 60));

      await stack.deliverCallUpdateRequested(retry);

      expect(stack.emulator.requests).toEqual([]);
      expect(stack.aws.targetErrors).toEqual([]);
      expect(updated(onlyResult(retry.id))).toEqual({
        ...updated(onlyResult(first)),
        requestEventId: retry.id,
        replayed: true,
      });
    },
  );

  it('still refuses an old event whose record is not a COMPLETED outcome of the same change: in progress (a redirect whose outcome is unknown), or another change under the key; no WARN, the table was read', async () => {
    const store = localIdempotencyStore(stack).persistenceStore;
    const before = output.records().length;
    const key = `crm-unknown-${randomUUID()}`;
    const redirect = (url: string) =>
      envelope(
        { callSid: seed().sid, action: 'update', update: { Url: url }, idempotencyKey: key },
        secondsAgo(maxAgeSeconds + 60),
      );
    // A redirect whose outcome was never recorded: its record blocks, in progress, for the window.
    const unknown = redirect('https://example.com/unknown.xml');
    await store.saveInProgress(unknown as never, 60_000);

    await stack.deliverCallUpdateRequested(unknown);
    // The same key for another call and change, with a COMPLETED record of its own.
    const other = redirect('https://example.com/other.xml');
    await store.deleteRecord(unknown as never);
    await store.saveSuccess(unknown as never, { kind: 'applied', outcome: 'updated' });
    await stack.deliverCallUpdateRequested(other);

    expect(stack.emulator.requests).toEqual([]);
    expect(failed(onlyResult(unknown.id)).error.code).toBe('EVENT_TOO_OLD');
    expect(failed(onlyResult(other.id)).error.code).toBe('EVENT_TOO_OLD');
    expect(warningsSince(before)).toEqual([]);
  });

  it('still refuses an old event whose COMPLETED record has expired by its time, though DynamoDB has not removed it yet', async () => {
    const call = seed();
    const detail = {
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/expired.xml' },
      idempotencyKey: `crm-expired-${randomUUID()}`,
    };
    const old = envelope(detail, secondsAgo(maxAgeSeconds + 60));
    // Written with a one-second window: by the delivery its expiry has passed, and the item is still in the table.
    const shortLived = createCallUpdateIdempotency({
      tableName: stack.idempotencyTableName,
      expiresAfterSeconds: 1,
      client: new DynamoDBClient({ endpoint: stack.dynamodb.url }),
    });
    shortLived.persistenceStore.configure({ config: shortLived.config, keyPrefix: 'call-update-requested' });
    await shortLived.persistenceStore.saveSuccess(old as never, { kind: 'applied', outcome: 'updated' });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const record = await localIdempotencyStore(stack)
      .persistenceStore.getRecord(old as never)
      .catch(() => undefined);
    expect(record?.getStatus()).toBe(IdempotencyRecordStatus.EXPIRED);

    await stack.deliverCallUpdateRequested(old);

    expect(failed(onlyResult(old.id)).error.code).toBe('EVENT_TOO_OLD');
    expect(stack.emulator.requests).toEqual([]);
  });

  it('refuses an old event as too old when its idempotency table cannot be read, with a WARN that names the request and what DynamoDB answered', async () => {
    const { url, server } = await startDynamoDbProxy(stack.dynamodb.url, {
      before: (target, _incoming, answer) => {
        if (!target.endsWith('.GetItem')) return false;
        answerInternalServerError(answer);
        return true;
      },
    });
    try {
      const { createCallUpdateEventsHandler } = await import('../../functions/call-update-events.ts');
      const access = createSignalWireAccess(readSignalWireConfig(), logger);
      const handler = createCallUpdateEventsHandler({
        calls: withNativeCalls(createCallService(access, logger), access, logger),
        publisher: new EventBridgePublisher({
          eventBusName: stack.eventBusName,
          source: DEFAULT_EVENT_SOURCE,
        }),
        idempotency: createCallUpdateIdempotency({
          tableName: stack.idempotencyTableName,
          expiresAfterSeconds: 3600,
          client: new DynamoDBClient({
            endpoint: url,
            region: 'us-east-1',
            maxAttempts: 1,
            credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          }),
        }),
        allowedSources: [SOURCE],
      });
      const call = seed();
      const old = envelope(
        {
          callSid: call.sid,
          action: 'update',
          update: { Url: 'https://example.com/unreadable.xml' },
          idempotencyKey: `crm-unreadable-${randomUUID()}`,
        },
        secondsAgo(maxAgeSeconds + 60),
      );
      const before = output.records().length;

      await handler(
        structuredClone(old) as unknown as CallUpdateRequestedEvent,
        createLambdaContext({ functionName: 'unreadable-table', timeoutMs: 4_000 }),
      );

      expect(failed(onlyResult(old.id)).error.code).toBe('EVENT_TOO_OLD');
      expect(stack.emulator.requests).toEqual([]);
      expect(warningsSince(before)).toEqual([
        expect.objectContaining({
          message:
            'the idempotency record of an event too old to apply could not be read: refused as too old',
          requestEventId: old.id,
          callSid: call.sid,
          // What went wrong, for the operator: DynamoDB's answer.
          error: expect.objectContaining({ name: 'InternalServerError', $fault: 'server' }),
        }),
      ]);
    } finally {
      server.close();
    }
  });

  it('refuses a transfer (a native redirect) older than the window the same way, before any SignalWire request', async () => {
    const before = output.records().length;
    const old = envelope(
      {
        callSid: randomUUID(),
        action: 'transfer',
        transfer: { dest: 'sip:desk@example.com' },
        api: 'calling',
      },
      secondsAgo(maxAgeSeconds + 1),
    );

    await stack.deliverCallUpdateRequested(old);

    expect(stack.emulator.requests).toEqual([]);
    expect(failed(onlyResult(old.id)).error.code).toBe('EVENT_TOO_OLD');
    expect(output.audits(before)).toEqual([
      expect.objectContaining({ errorCode: 'EVENT_TOO_OLD', change: { Transfer: 'sip:desk@example.com' } }),
    ]);
  });

  it('replays a recent duplicate (an archive replay within the window) from its idempotency record: the call is not touched again', async () => {
    const call = seed();
    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/recent.xml' },
    });

    await stack.deliverCallUpdateRequested({
      ...envelopeOf(eventId),
      'replay-name': 'recent-replay',
    } as EventBridgeEnvelope);

    const [first, second] = resultsFor(eventId).map(updated);
    expect(second).toEqual({ ...first, replayed: true });
    expect(postsTo(call.sid)).toHaveLength(1);
  });

  it("keeps a keyed request's record for a window from its latest duplicate, so that duplicate's own replays stay covered", async () => {
    const call = seed();
    const detail = {
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/keyed.xml' },
      idempotencyKey: `crm-retry-${randomUUID()}`,
    };
    const store = localIdempotencyStore(stack).persistenceStore;
    const first = await request(detail);
    const firstExpiry = (await store.getRecord(envelopeOf(first) as never)).expiryTimestamp as number;
    // The requester's own retry, a little later (the expiry is kept in whole seconds).
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const retry = await request(detail);

    expect(updated(onlyResult(retry)).replayed).toBe(true);
    expect(postsTo(call.sid)).toHaveLength(1);
    const renewed = (await store.getRecord(envelopeOf(retry) as never)).expiryTimestamp as number;
    expect(renewed).toBeGreaterThan(firstExpiry);
    // The retry's time is covered: its record lasts at least the window less the tolerance from its time.
    const retryTime = Date.parse(envelopeOf(retry).time);
    expect(renewed * 1000).toBeGreaterThanOrEqual(retryTime + maxAgeSeconds * 1000);
  });

  it('renews only a record still COMPLETED, and only its expiry: never over another invocation that took the record over after it expired', async () => {
    const store = localIdempotencyStore(stack).persistenceStore;
    const keyed = (key: string) =>
      envelope(
        {
          callSid: randomUUID(),
          action: 'update',
          update: { Url: 'https://example.com/race.xml' },
          idempotencyKey: key,
        },
        secondsAgo(1),
      ) as unknown as CallUpdateRequestedEvent;
    // Between this invocation's replay of the recorded outcome and its renewal, the record expired and another
    // delivery under the same key wrote its in-progress record: its redirect is being sent right now.
    const running = keyed(`race-${randomUUID()}`);
    await store.saveInProgress(running as never, 60_000);

    await rememberAgain(store, running);

    expect((await store.getRecord(running as never)).getStatus()).toBe(IdempotencyRecordStatus.INPROGRESS);
    // ...or that other delivery already recorded its own outcome: the renewal keeps it, and only extends it.
    const newer = keyed(`race-${randomUUID()}`);
    await store.saveSuccess(newer as never, { outcome: 'updated', recordedBy: 'the newer delivery' });
    const before = (await store.getRecord(newer as never)).expiryTimestamp as number;
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    await rememberAgain(store, newer);

    const renewed = await store.getRecord(newer as never);
    expect(renewed.getResponse()).toEqual({ outcome: 'updated', recordedBy: 'the newer delivery' });
    expect(renewed.expiryTimestamp as number).toBeGreaterThan(before);
  });

  it("keeps a redirect's blocking in-progress record for a window from its latest duplicate, so that duplicate's own replays stay blocked", async () => {
    const call = seed();
    const detail = {
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/unknown-outcome.xml' },
      idempotencyKey: `crm-stuck-${randomUUID()}`,
    };
    // An earlier try died mid-redirect, its in-progress record written an hour's window ago (the test store's
    // window): whether the redirect went out is unknown.
    const store = localIdempotencyStore(stack).persistenceStore;
    const earlier = { id: randomUUID(), source: SOURCE, detail };
    await store.saveInProgress(earlier as never, 1);
    const before = await store.getRecord(earlier as never);

    const retry = await request(detail);

    expect(stack.emulator.requests).toEqual([]);
    expect(resultsFor(retry)).toEqual([]);
    const held = await store.getRecord(envelopeOf(retry) as never);
    expect(held.getStatus()).toBe(IdempotencyRecordStatus.INPROGRESS);
    // The retry's time is covered: an archive replay of it, fresh by that time, still finds the record blocking.
    const retryLimitMs = Date.parse(envelopeOf(retry).time) + maxAgeSeconds * 1000;
    expect((held.expiryTimestamp as number) * 1000).toBeGreaterThanOrEqual(retryLimitMs);
    expect(held.inProgressExpiryTimestamp as number).toBeGreaterThanOrEqual(retryLimitMs);
    expect(held.expiryTimestamp as number).toBeGreaterThan(before.expiryTimestamp as number);
  });

  it('applies an event just within the limit whose record is gone (a first delivery late by EventBridge and Lambda retries)', async () => {
    const call = seed();
    const late = envelope(
      { callSid: call.sid, action: 'update', update: { Url: 'https://example.com/late.xml' } },
      secondsAgo(maxAgeSeconds - 60),
    );

    await stack.deliverCallUpdateRequested(late);

    expect(updated(onlyResult(late.id)).outcome).toBe('updated');
    expect(postsTo(call.sid)).toHaveLength(1);
  });

  it.each([
    ['absent', undefined, 'required'],
    ['not a date-time', 'yesterday', 'format'],
    ['a date that does not exist', '2026-02-30T10:00:00Z', 'format'],
    ['not a string', 1_733_500_000, 'format'],
    ['before the year 0000 in UTC (RFC 3339 cannot write it back)', '0000-01-01T00:00:00+01:00', 'format'],
    ['beyond the clock tolerance in the future', 'FUTURE', 'future'],
  ])(
    'refuses an event whose time is %s as INVALID_REQUEST naming time, before any SignalWire request',
    async (_, time, rule) => {
      const call = seed();
      const event = envelope(
        { callSid: call.sid, action: 'update', update: { Url: 'https://example.com/never.xml' } },
        time === 'FUTURE' ? new Date(Date.now() + (toleranceSeconds + 60) * 1000).toISOString() : time,
      );

      await stack.deliverCallUpdateRequested(event);

      const refused = failed(onlyResult(event.id));
      expect(refused.final).toBe(true);
      expect(refused.error).toMatchObject({
        code: 'INVALID_REQUEST',
        violations: [expect.objectContaining({ field: 'time', rule })],
      });
      expect(stack.emulator.requests).toEqual([]);
      expect(stack.aws.targetErrors).toEqual([]);
    },
  );

  it('applies an event whose time is a little ahead of the clock (within the tolerance)', async () => {
    const call = seed();
    const ahead = envelope(
      { callSid: call.sid, action: 'terminate' },
      new Date(Date.now() + (toleranceSeconds - 30) * 1000).toISOString(),
    );

    await stack.deliverCallUpdateRequested(ahead);

    expect(updated(onlyResult(ahead.id)).outcome).toBe('updated');
  });
});
