import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it, vi } from 'vitest';
import { AUDIT_MESSAGE } from '#commons/calls/audit';
import { withNativeCalls } from '#commons/calls/native-calls';
import { type CallService, createCallService } from '#commons/calls/service';
import { CredentialsError } from '#commons/errors';
import {
  CALL_UPDATE_FAILED,
  CALL_UPDATE_REQUESTED,
  CALL_UPDATED,
  type CallUpdateFailedDetail,
  type CallUpdateRequestedEvent,
  DEFAULT_EVENT_SOURCE,
} from '#commons/events/contracts';
import { EventBridgePublisher, EventPublishError, type EventPublisher } from '#commons/events/publisher';
import { sdkClientDefaults } from '#commons/platform/aws-sdk';
import { readSignalWireConfig } from '#commons/platform/config';
import { logger, metrics } from '#commons/platform/powertools';
import { createSignalWireAccess } from '#commons/signalwire/access';
import { callSchema } from '#commons/signalwire/schemas';
import type { Call, CallUpdate } from '#commons/signalwire/types';
import { REDIRECT_IN_PROGRESS_MESSAGE } from '#commons/update-requests/consumer';
import {
  createCallUpdateIdempotency,
  IDEMPOTENCY_KEY_PREFIX,
  RENEWAL_FAILED_MESSAGE,
} from '#commons/update-requests/idempotency';
import type { EventBridgeEnvelope, PublishedEvent } from '#local/aws-emulator';
import { createLambdaContext } from '#local/lambda-context';
import { answerInternalServerError, startDynamoDbProxy } from '../support/dynamodb-proxy.ts';
import { callUpdateEvents, localIdempotencyStore, SOURCE } from '../support/event-bus.ts';
import { useLocalStack } from '../support/local-stack-suite.ts';

const { stack, output } = useLocalStack({ SIGNALWIRE_TIMEOUT_MS: '800', POWERTOOLS_LOG_LEVEL: 'INFO' });
const { request, envelopeOf, resultsFor, onlyResult, updated, failed } = callUpdateEvents(stack);
const invokeScript = fileURLToPath(new URL('../support/invoke-call-update-events.ts', import.meta.url));

const strictAjv = new Ajv2020({ strict: true, allErrors: true });
addFormats(strictAjv);
const isCall = strictAjv.compile(callSchema);

/** The function's call service over both kinds of call, as `functions/call-update-events.ts` builds it. */
const bothKinds = (compatibility?: CallService) => {
  const access = createSignalWireAccess(readSignalWireConfig(), logger);
  return withNativeCalls(compatibility ?? createCallService(access, logger), access, logger);
};

/** The event function over both APIs' call services, with the stack's real bus and idempotency table. */
const eventsHandler = async (
  deps: {
    calls?: CallService;
    publisher?: EventPublisher;
    defaultProject?: () => Promise<string>;
    dynamodb?: DynamoDBClient;
  } = {},
) => {
  const { createCallUpdateEventsHandler } = await import('../../functions/call-update-events.ts');
  return createCallUpdateEventsHandler({
    calls: bothKinds(deps.calls),
    publisher:
      deps.publisher ??
      new EventBridgePublisher({ eventBusName: stack.eventBusName, source: DEFAULT_EVENT_SOURCE }),
    idempotency: createCallUpdateIdempotency({
      tableName: stack.idempotencyTableName,
      expiresAfterSeconds: 3600,
      client: deps.dynamodb ?? new DynamoDBClient({ endpoint: stack.dynamodb.url }),
    }),
    allowedSources: [SOURCE],
    ...(deps.defaultProject ? { defaultProject: deps.defaultProject } : {}),
  });
};

/** A "Call Update Requested" envelope of `detail`, as EventBridge delivers it, sent `ageMs` ago. */
const requestedEvent = (detail: CallUpdateRequestedEvent['detail'], ageMs = 0): CallUpdateRequestedEvent => ({
  version: '0',
  id: randomUUID(),
  'detail-type': CALL_UPDATE_REQUESTED,
  source: SOURCE,
  account: '123456789012',
  time: new Date(Date.now() - ageMs).toISOString(),
  region: 'us-east-1',
  resources: [],
  detail,
});

/**
 * The event function as `functions/call-update-events.ts` builds it, over a bus whose first PutEvents is refused
 * (throttled) and whose later ones reach the local bus; with a "Call Update Requested" event of `detail`.
 */
const overFlakyBus = async () => {
  const bus = new EventBridgePublisher({ eventBusName: stack.eventBusName, source: DEFAULT_EVENT_SOURCE });
  let refuseNext = true;
  const flakyBus: EventPublisher = {
    publish: async (detailType, detail) => {
      if (!refuseNext) return bus.publish(detailType, detail);
      refuseNext = false;
      throw new EventPublishError(detailType, 'ThrottlingException', 'throttled');
    },
  };
  const handler = await eventsHandler({ publisher: flakyBus });
  const requested = (detail: CallUpdateRequestedEvent['detail']) => requestedEvent(detail);
  const context = () => createLambdaContext({ functionName: 'flaky-bus', timeoutMs: 60_000 });
  return { handler, context, requested };
};

const seed = (status: Call['status']) => stack.emulator.seedCall(stack.projectId, { status, ageSeconds: 60 });
const postsTo = (sid: string) =>
  stack.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/Calls/${sid}.json`));

/**
 * The local idempotency table behind a loopback proxy whose GetItem answers as DynamoDB failing (a 500) whenever
 * `fails` says so for that read (counted from 1); and a DynamoDB client of it, one attempt per request.
 */
const tableFailingGetItem = async (fails: (read: number) => boolean) => {
  let reads = 0;
  const { url, server } = await startDynamoDbProxy(stack.dynamodb.url, {
    before: (target, _incoming, answer) => {
      if (!target.endsWith('.GetItem') || !fails(++reads)) return false;
      answerInternalServerError(answer);
      return true;
    },
  });
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return { client, close: () => server.close() };
};

describe('a "Call Update Requested" event', () => {
  it('redirects the call and publishes "Call Updated" with the exact source, detail-type and detail', async () => {
    const call = seed('in-progress');

    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/next.xml', Method: 'POST' },
      correlationId: 'crm-case-4711',
    });

    const result = onlyResult(eventId);
    expect(result.entry.Source).toBe(DEFAULT_EVENT_SOURCE);
    expect(result.entry.DetailType).toBe(CALL_UPDATED);
    expect(result.eventBusName).toBe(stack.eventBusName);
    const detail = updated(result);
    expect(detail).toEqual({
      requestEventId: eventId,
      requestSource: SOURCE,
      correlationId: 'crm-case-4711',
      idempotencyKey: null,
      replayed: false,
      accountSid: stack.projectId,
      callSid: call.sid,
      action: 'update',
      api: 'compatibility',
      change: { Url: 'https://example.com/next.xml', Method: 'POST' },
      outcome: 'updated',
      call: expect.objectContaining({ sid: call.sid, account_sid: stack.projectId, status: 'in-progress' }),
    });
    expect(isCall(detail.call), JSON.stringify(isCall.errors)).toBe(true);
    expect(stack.emulator.redirectsOf(call.sid)).toEqual([
      { url: 'https://example.com/next.xml', method: 'POST' },
    ]);
    expect(postsTo(call.sid).map((r) => r.form)).toEqual([
      { Url: 'https://example.com/next.xml', Method: 'POST' },
    ]);
    expect(stack.aws.targetErrors).toEqual([]);
  });

  it('ends the call with action terminate, and reports a second terminate as already-ended', async () => {
    const call = seed('in-progress');

    const first = updated(onlyResult(await request({ callSid: call.sid, action: 'terminate' })));
    const second = updated(onlyResult(await request({ callSid: call.sid, action: 'terminate', update: {} })));

    expect(first).toMatchObject({ action: 'terminate', change: { Status: 'completed' }, outcome: 'updated' });
    expect(first.call.status).toBe('completed');
    expect(second).toMatchObject({ outcome: 'already-ended', correlationId: null });
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
  });

  it('reports update.Status applied, its answer lost and its resend refused as ended: Call Updated already-ended', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'drop', applyFirst: true, method: 'POST' });

    const eventId = await request({ callSid: call.sid, action: 'update', update: { Status: 'completed' } });

    expect(updated(onlyResult(eventId))).toMatchObject({
      outcome: 'already-ended',
      change: { Status: 'completed' },
    });
    expect(postsTo(call.sid)).toHaveLength(2);
  });

  it('writes the audit record with trigger event, the claimed source and the attested account as actor', async () => {
    const call = seed('in-progress');
    const before = output.records().length;

    await request({
      callSid: call.sid,
      action: 'update',
      update: { Status: 'completed' },
      correlationId: 'wf-9',
    });

    const audits = output.audits(before);
    expect(audits).toEqual([
      expect.objectContaining({
        trigger: 'event',
        actor: {
          name: SOURCE,
          claimed: { source: SOURCE },
          // Set by EventBridge from the credentials that put the event (the local stand-in's account).
          // through the rule's `event-rule` alias, which only EventBridge may invoke.
          attested: {
            invokedAs:
              'arn:aws:lambda:us-east-1:123456789012:function:call-control-call-update-events:event-rule',
            account: '123456789012',
            region: 'us-east-1',
          },
        },
        correlationId: 'wf-9',
        callSid: call.sid,
        change: { Status: 'completed' },
        outcome: 'updated',
      }),
    ]);
  });
});

describe('delivery at least once', () => {
  it('applies a redirect once when the same event is delivered twice, and says the second was a replay', async () => {
    const call = seed('in-progress');
    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/once.xml' },
      correlationId: 'crm-1',
    });

    await stack.deliverCallUpdateRequested(envelopeOf(eventId));

    const [first, second] = resultsFor(eventId).map(updated);
    expect(first).toMatchObject({ replayed: false, correlationId: 'crm-1' });
    expect(second).toEqual({ ...first, replayed: true });
    expect(postsTo(call.sid)).toHaveLength(1);
    expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
  });

  it('applies two events with the same idempotency key once, echoing each one its own correlation id', async () => {
    const call = seed('in-progress');
    const detail = { callSid: call.sid, action: 'update', update: { Url: 'https://example.com/k.xml' } };

    const first = await request({ ...detail, idempotencyKey: 'crm-redirect-77', correlationId: 'try-1' });
    const second = await request({ ...detail, idempotencyKey: 'crm-redirect-77', correlationId: 'try-2' });

    expect(updated(onlyResult(first))).toMatchObject({ replayed: false, correlationId: 'try-1' });
    expect(updated(onlyResult(second))).toMatchObject({
      replayed: true,
      correlationId: 'try-2',
      idempotencyKey: 'crm-redirect-77',
    });
    expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
  });

  it.each([
    ['names the default project, then leaves accountSid out', true],
    ['leaves accountSid out, then names the default project', false],
  ])(
    'applies a redirect once under one key when the request %s: the same request to SignalWire',
    async (_order, namedFirst) => {
      const call = seed('in-progress');
      const detail = {
        callSid: call.sid,
        action: 'update',
        update: { Url: 'https://example.com/default-project.xml' },
        idempotencyKey: `k-default-${namedFirst}`,
      };
      const named = { ...detail, accountSid: stack.projectId.toUpperCase() };

      const first = await request(namedFirst ? named : detail);
      const second = await request(namedFirst ? detail : named);

      expect(updated(onlyResult(first))).toMatchObject({ replayed: false, accountSid: stack.projectId });
      expect(updated(onlyResult(second))).toMatchObject({ replayed: true, accountSid: stack.projectId });
      expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
      expect(stack.aws.targetErrors).toEqual([]);
    },
  );

  it('fails a delivery whose other project form cannot be checked (the secret unreadable) as transient, not as a reused key', async () => {
    const handler = await eventsHandler({
      defaultProject: () => Promise.reject(new CredentialsError('the secret could not be read', true)),
    });
    const call = seed('in-progress');
    const detail = { callSid: call.sid, action: 'terminate' as const, idempotencyKey: 'k-secret-down' };
    await request({ ...detail, accountSid: stack.projectId });
    stack.emulator.clearRequests();
    const event = requestedEvent(detail);
    const context = createLambdaContext({ functionName: 'secret-down', timeoutMs: 10_000 });

    await expect(handler(event, context)).rejects.toThrow('the secret could not be read');

    expect(failed(onlyResult(event.id))).toMatchObject({
      final: false,
      error: { code: 'CREDENTIALS_UNAVAILABLE', retryable: true },
    });
    expect(postsTo(call.sid)).toHaveLength(0);
  });

  it.each([
    ['fresh', 0, { code: 'INVALID_REQUEST', violations: [{ field: 'idempotencyKey', rule: 'reused' }] }],
    ['older than the window', 2 * 3600_000, { code: 'EVENT_TOO_OLD' }],
  ])(
    'refuses a key reused (%s) naming the default project when its record left accountSid out under another default (the secret changed since)',
    async (_age, ageMs, error) => {
      const newDefault = '0b0c0d0e-0000-4000-8000-0000000000d2';
      const handler = await eventsHandler({ defaultProject: () => Promise.resolve(newDefault) });
      const call = seed('in-progress');
      const detail = {
        callSid: call.sid,
        action: 'terminate' as const,
        idempotencyKey: `k-default-moved-${ageMs}`,
      };
      const first = await request(detail);
      expect(updated(onlyResult(first))).toMatchObject({ replayed: false, accountSid: stack.projectId });
      stack.emulator.clearRequests();
      const event = requestedEvent({ ...detail, accountSid: newDefault }, ageMs);

      await handler(event, createLambdaContext({ functionName: 'default-moved', timeoutMs: 10_000 }));

      expect(failed(onlyResult(event.id))).toMatchObject({ final: true, error });
      expect(stack.emulator.requests).toHaveLength(0);
    },
  );

  it.each([
    ['fresh', 0],
    ['older than the window', 2 * 3600_000],
  ])(
    'replays to a duplicate (%s) naming the project its record, written without accountSid, was applied to, once the default moved: the same request, nothing sent',
    async (_age, ageMs) => {
      const newDefault = '0b0c0d0e-0000-4000-8000-0000000000d4';
      const handler = await eventsHandler({ defaultProject: () => Promise.resolve(newDefault) });
      const call = seed('in-progress');
      const detail = {
        callSid: call.sid,
        action: 'update' as const,
        update: { Url: 'https://example.com/old-default.xml' },
        idempotencyKey: `k-old-default-${ageMs}`,
      };
      const first = await request(detail);
      expect(updated(onlyResult(first))).toMatchObject({ replayed: false, accountSid: stack.projectId });
      stack.emulator.clearRequests();
      const event = requestedEvent({ ...detail, accountSid: stack.projectId.toUpperCase() }, ageMs);

      await handler(event, createLambdaContext({ functionName: 'old-default', timeoutMs: 10_000 }));

      expect(updated(onlyResult(event.id))).toMatchObject({
        replayed: true,
        accountSid: stack.projectId,
        outcome: 'updated',
      });
      expect(stack.emulator.requests).toHaveLength(0);
      expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
    },
  );

  it('hands back, for a retry, a duplicate naming the old default project while its record without accountSid is in progress: not a reused key', async () => {
    const newDefault = '0b0c0d0e-0000-4000-8000-0000000000d5';
    const handler = await eventsHandler({ defaultProject: () => Promise.resolve(newDefault) });
    const call = seed('in-progress');
    const detail = { callSid: call.sid, action: 'terminate' as const, idempotencyKey: 'k-old-default-busy' };
    const running = localIdempotencyStore(stack);
    await running.persistenceStore.saveInProgress({ id: randomUUID(), source: SOURCE, detail }, 60_000);
    const event = requestedEvent({ ...detail, accountSid: stack.projectId });

    const handed = handler(
      event,
      createLambdaContext({ functionName: 'old-default-busy', timeoutMs: 10_000 }),
    );

    await expect(handed).rejects.toThrow(IdempotencyAlreadyInProgressError);
    // The invocation's error, as Lambda reports it: which record is still in progress.
    await expect(handed).rejects.toThrow('the request is being applied under its form without accountSid');

    expect(resultsFor(event.id)).toEqual([]);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['is still the default: its other project form is applied, as the fresh request it now is', false],
    [
      'moved since: refused as a reused key, and its form without accountSid never sent to the new default',
      true,
    ],
  ])(
    'answers a duplicate naming the project its record without accountSid was written for, the record gone (expired) while the default project was read, when that project %s',
    async (_when, moved) => {
      const call = seed('in-progress');
      const detail = {
        callSid: call.sid,
        action: 'terminate' as const,
        idempotencyKey: `k-gone-${randomUUID()}`,
      };
      await request(detail);
      stack.emulator.clearRequests();
      // The record expires between the idempotency check and the read of the secret's default project.
      const defaultProject = async () => {
        await localIdempotencyStore(stack).persistenceStore.deleteRecord(requestedEvent(detail) as never);
        return moved ? '0b0c0d0e-0000-4000-8000-0000000000d6' : stack.projectId;
      };
      const handler = await eventsHandler({ defaultProject });
      const event = requestedEvent({ ...detail, accountSid: stack.projectId });

      await handler(event, createLambdaContext({ functionName: 'record-gone', timeoutMs: 10_000 }));

      if (moved) {
        expect(failed(onlyResult(event.id))).toMatchObject({
          final: true,
          replayed: false,
          error: { code: 'INVALID_REQUEST', violations: [{ field: 'idempotencyKey', rule: 'reused' }] },
        });
        expect(stack.emulator.requests).toHaveLength(0);
      } else {
        expect(updated(onlyResult(event.id))).toMatchObject({ replayed: false, accountSid: stack.projectId });
        expect(postsTo(call.sid)).toHaveLength(1);
      }
    },
  );

  it('refuses as a reused key a duplicate naming the old default project whose record without accountSid expired while the default was read, though DynamoDB has not removed it yet: an outcome older than the window is not replayed', async () => {
    const call = seed('in-progress');
    const detail = {
      callSid: call.sid,
      action: 'terminate' as const,
      idempotencyKey: `k-expired-${randomUUID()}`,
    };
    await request(detail);
    stack.emulator.clearRequests();
    const store = localIdempotencyStore(stack).persistenceStore;
    // Rewritten with its expiry ten seconds past: expired, and still in the table.
    const expired = createCallUpdateIdempotency({
      tableName: stack.idempotencyTableName,
      expiresAfterSeconds: -10,
      client: new DynamoDBClient({ endpoint: stack.dynamodb.url }),
    });
    expired.persistenceStore.configure({ config: expired.config, keyPrefix: IDEMPOTENCY_KEY_PREFIX });
    const defaultProject = async () => {
      const recorded = await store.getRecord(requestedEvent(detail) as never);
      await expired.persistenceStore.saveSuccess(requestedEvent(detail) as never, recorded.getResponse());
      return '0b0c0d0e-0000-4000-8000-0000000000d7';
    };
    const handler = await eventsHandler({ defaultProject });
    const event = requestedEvent({ ...detail, accountSid: stack.projectId });

    await handler(event, createLambdaContext({ functionName: 'record-expired', timeoutMs: 10_000 }));

    expect((await store.getRecord(requestedEvent(detail) as never)).getStatus()).toBe(
      IdempotencyRecordStatus.EXPIRED,
    );
    expect(failed(onlyResult(event.id))).toMatchObject({
      final: true,
      replayed: false,
      error: { code: 'INVALID_REQUEST', violations: [{ field: 'idempotencyKey', rule: 'reused' }] },
    });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('fails as transient, not as a reused key, a duplicate naming the old default project whose record without accountSid cannot be read (DynamoDB failing)', async () => {
    // The table fails from the read of the default project on: the key's check read it, the re-read cannot.
    let failing = false;
    const table = await tableFailingGetItem(() => failing);
    try {
      const call = seed('in-progress');
      const detail = {
        callSid: call.sid,
        action: 'terminate' as const,
        idempotencyKey: `k-get-${randomUUID()}`,
      };
      await request(detail);
      stack.emulator.clearRequests();
      const handler = await eventsHandler({
        dynamodb: table.client,
        defaultProject: async () => {
          failing = true;
          return '0b0c0d0e-0000-4000-8000-0000000000d8';
        },
      });
      const event = requestedEvent({ ...detail, accountSid: stack.projectId });

      await expect(
        handler(event, createLambdaContext({ functionName: 'get-fails', timeoutMs: 10_000 })),
      ).rejects.toMatchObject({ name: 'InternalServerError' });

      expect(failed(onlyResult(event.id))).toMatchObject({
        final: false,
        error: { code: 'INTERNAL_ERROR', retryable: true },
      });
      expect(stack.emulator.requests).toHaveLength(0);
    } finally {
      table.close();
    }
  });

  const UNKNOWN_CALL = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
  it.each([
    ['an end', { action: 'terminate' as const }],
    ['a transfer', { action: 'transfer' as const, transfer: { dest: '+15550100' } }],
  ])(
    "refuses a key reused naming the default project when its record is a refusal (%s of an unknown call) that left accountSid out under another default, instead of replaying that project's refusal",
    async (_label, change) => {
      const newDefault = '0b0c0d0e-0000-4000-8000-0000000000d3';
      const handler = await eventsHandler({ defaultProject: () => Promise.resolve(newDefault) });
      const detail = { callSid: UNKNOWN_CALL, ...change, idempotencyKey: `k-refusal-moved-${change.action}` };
      const first = await request(detail);
      expect(failed(onlyResult(first))).toMatchObject({
        replayed: false,
        accountSid: stack.projectId,
        error: { code: 'CALL_NOT_FOUND' },
      });
      stack.emulator.clearRequests();
      const moved = requestedEvent({ ...detail, accountSid: newDefault });
      const same = requestedEvent({ ...detail, accountSid: stack.projectId });
      const context = () => createLambdaContext({ functionName: 'refusal-moved', timeoutMs: 10_000 });

      await handler(moved, context());
      await (await eventsHandler({ defaultProject: () => Promise.resolve(stack.projectId) }))(
        same,
        context(),
      );

      expect(failed(onlyResult(moved.id))).toMatchObject({
        final: true,
        replayed: false,
        error: { code: 'INVALID_REQUEST', violations: [{ field: 'idempotencyKey', rule: 'reused' }] },
      });
      // Under the default it was refused for, the same request: its refusal replayed.
      expect(failed(onlyResult(same.id))).toMatchObject({
        replayed: true,
        accountSid: stack.projectId,
        error: { code: 'CALL_NOT_FOUND' },
      });
      expect(stack.emulator.requests).toHaveLength(0);
    },
  );

  it("answers a late duplicate that is a new container's first event from its record (the store keyed before any request is applied)", async () => {
    const handler = await eventsHandler();
    const call = seed('in-progress');
    const detail = { callSid: call.sid, action: 'terminate' as const, idempotencyKey: 'k-late-first-event' };
    const first = await request(detail);
    stack.emulator.clearRequests();
    const late = requestedEvent(detail, 2 * 3600_000);

    await handler(late, createLambdaContext({ functionName: 'late-first', timeoutMs: 10_000 }));

    expect(updated(onlyResult(late.id))).toEqual({
      ...updated(onlyResult(first)),
      requestEventId: late.id,
      replayed: true,
    });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('still refuses a key reused with another project than the default, without calling SignalWire', async () => {
    const call = seed('in-progress');
    // A key of its own on each attempt: a retried attempt (vitest.mutation.config.ts) must not meet the first's.
    const idempotencyKey = `k-other-project-${randomUUID()}`;
    await request({ callSid: call.sid, action: 'terminate', idempotencyKey });
    stack.emulator.clearRequests();

    const eventId = await request({
      callSid: call.sid,
      action: 'terminate',
      idempotencyKey,
      accountSid: '0b0c0d0e-0000-4000-8000-000000000001',
    });

    expect(failed(onlyResult(eventId))).toMatchObject({
      final: true,
      error: { code: 'INVALID_REQUEST', violations: [{ field: 'idempotencyKey', rule: 'reused' }] },
    });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  // A refusal decided before the project was read (a transfer said to be on the Compatibility API) names none.
  const unnamedRefusal = (key: string) => ({
    callSid: seed('in-progress').sid,
    action: 'transfer' as const,
    api: 'compatibility' as const,
    transfer: { dest: 'sip:desk@example.com' },
    // A key of its own on each attempt: a retried attempt (vitest.mutation.config.ts) must not meet the first's.
    idempotencyKey: `${key}-${randomUUID()}`,
  });

  it('replays a refusal that named no project to the same request naming the default project', async () => {
    const detail = unnamedRefusal('k-unnamed-refusal-default');
    const first = failed(onlyResult(await request(detail)));
    expect(first.error.violations?.map((v) => v.field)).toEqual(['transfer']);

    const again = failed(onlyResult(await request({ ...detail, accountSid: stack.projectId })));

    expect(again).toMatchObject({ replayed: true, error: { code: 'INVALID_REQUEST' } });
    expect(again.error.violations?.map((v) => v.field)).toEqual(['transfer']);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses a key reused with another project than the default when its record is a refusal that named no project', async () => {
    const detail = unnamedRefusal('k-unnamed-refusal-other');
    await request(detail);

    const eventId = await request({ ...detail, accountSid: '0b0c0d0e-0000-4000-8000-000000000001' });

    expect(failed(onlyResult(eventId))).toMatchObject({
      final: true,
      replayed: false,
      error: { code: 'INVALID_REQUEST', violations: [{ field: 'idempotencyKey', rule: 'reused' }] },
    });
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('refuses a reused idempotency key as reused on a handler built without defaultProject (optional for a package user)', async () => {
    const handler = await eventsHandler();
    const call = seed('in-progress');
    const redirect = (url: string) =>
      requestedEvent({
        callSid: call.sid,
        action: 'update',
        update: { Url: url },
        idempotencyKey: randomUUID(),
      });
    const first = redirect('https://example.com/first-form.xml');
    const reused = requestedEvent({ ...first.detail, update: { Url: 'https://example.com/other-form.xml' } });
    const context = () => createLambdaContext({ functionName: 'no-default-project', timeoutMs: 60_000 });

    await handler(first, context());
    await expect(handler(reused, context())).resolves.toMatchObject({ code: 'INVALID_REQUEST' });

    expect(failed(onlyResult(reused.id)).error.violations).toEqual([
      expect.objectContaining({ field: 'idempotencyKey', rule: 'reused' }),
    ]);
    expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
  });

  it('refuses a reused idempotency key on a handler built without defaultProject from the one read of its record: a table failing after it changes nothing', async () => {
    // The first read is the key's check (the record under it, found for another change); any other fails.
    const table = await tableFailingGetItem((read) => read > 1);
    try {
      const call = seed('in-progress');
      const detail = {
        callSid: call.sid,
        action: 'terminate' as const,
        idempotencyKey: `k-one-read-${randomUUID()}`,
      };
      await request(detail);
      stack.emulator.clearRequests();
      const handler = await eventsHandler({
        dynamodb: table.client,
      });
      const reused = requestedEvent({
        ...detail,
        action: 'update',
        update: { Url: 'https://example.com/r.xml' },
      });

      await handler(reused, createLambdaContext({ functionName: 'one-read', timeoutMs: 10_000 }));

      expect(failed(onlyResult(reused.id))).toMatchObject({
        final: true,
        error: { code: 'INVALID_REQUEST', violations: [{ field: 'idempotencyKey', rule: 'reused' }] },
      });
      expect(stack.emulator.requests).toHaveLength(0);
    } finally {
      table.close();
    }
  });

  it('refuses an idempotency key reused for a different update, without calling SignalWire', async () => {
    const call = seed('in-progress');
    await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/a.xml' },
      idempotencyKey: 'k-reuse',
    });
    stack.emulator.clearRequests();

    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/b.xml' },
      idempotencyKey: 'k-reuse',
    });

    expect(failed(onlyResult(eventId))).toMatchObject({
      final: true,
      error: {
        code: 'INVALID_REQUEST',
        retryable: false,
        violations: [
          {
            field: 'idempotencyKey',
            rule: 'reused',
            message: 'idempotencyKey was already used by this source for a different call, project or update',
          },
        ],
      },
    });
    expect(stack.emulator.requests).toHaveLength(0);
    expect(stack.aws.targetErrors).toEqual([]);
  });

  it('refuses an event id delivered again with another detail naming id, not an idempotencyKey it never gave', async () => {
    const first = seed('in-progress');
    const other = seed('in-progress');
    const eventId = await request({ callSid: first.sid, action: 'terminate' });
    stack.emulator.clearRequests();
    const envelope = envelopeOf(eventId);
    envelope.detail = { callSid: other.sid, action: 'terminate' };

    await stack.deliverCallUpdateRequested(envelope);

    const [, again] = resultsFor(eventId);
    expect(failed(again)).toMatchObject({
      callSid: other.sid,
      idempotencyKey: null,
      final: true,
      error: {
        code: 'INVALID_REQUEST',
        violations: [
          {
            field: 'id',
            rule: 'reused',
            message:
              'id (the event id, the request key when there is no idempotencyKey) was already used by this source for a different call, project or update',
          },
        ],
      },
    });
    expect(stack.emulator.requests).toHaveLength(0);
    expect(stack.emulator.getCall(stack.projectId, other.sid)?.status).toBe('in-progress');
  });

  /** What an invocation that died mid-request leaves behind: its in-progress record, written as it writes it. */
  const leaveInProgress = async (
    detail: Record<string, string | Record<string, string>>,
    remainingTimeInMillis: number,
  ) => {
    const leftBehind = localIdempotencyStore(stack);
    await leftBehind.persistenceStore.saveInProgress(
      { id: randomUUID(), source: SOURCE, detail },
      remainingTimeInMillis,
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it("ends the call once a crashed invocation's in-progress record has expired (an end is safe to repeat), instead of blocking it", async () => {
    const call = seed('in-progress');
    const detail = { callSid: call.sid, action: 'terminate', idempotencyKey: 'crash-end-1' };
    // The crashed invocation had 1 ms left: its record stopped blocking at that deadline.
    await leaveInProgress(detail, 1);

    const eventId = await request(detail);

    expect(updated(onlyResult(eventId))).toMatchObject({ replayed: false, outcome: 'updated' });
    expect(postsTo(call.sid)).toHaveLength(1);
  });

  it("never sends a redirect again that a crashed invocation left in progress, even after that invocation's deadline: the redelivery is handed back to Lambda (retries, then the dead-letter queue)", async () => {
    const call = seed('in-progress');
    const detail = {
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/after-crash.xml' },
      idempotencyKey: 'crash-redirect-1',
    };
    // The crashed invocation had 1 ms left; a redirect's record blocks for the idempotency window all the same.
    await leaveInProgress(detail, 1);

    const eventId = await request(detail);

    expect(stack.aws.targetErrors.map((e) => e.error)).toEqual([
      expect.any(IdempotencyAlreadyInProgressError),
    ]);
    expect(resultsFor(eventId)).toEqual([]);
    expect(stack.emulator.requests).toEqual([]);
  });

  const IN_PROGRESS_MESSAGE =
    'the same request is being applied by another invocation; leaving it to a retry';
  /** The event was handed back to Lambda for a retry: no result, nothing sent, one WARN line saying `message`. */
  const expectHandedBack = (eventId: string, callSid: string, message: string) => {
    expect(stack.aws.targetErrors.map((e) => e.error)).toEqual([
      expect.any(IdempotencyAlreadyInProgressError),
    ]);
    expect(resultsFor(eventId)).toEqual([]);
    expect(stack.emulator.requests).toHaveLength(0);
    expect(output.records().filter((r) => r.callSid === callSid && r.level === 'WARN')).toEqual([
      expect.objectContaining({ message }),
    ]);
  };

  it('hands a request back for a retry while another invocation is still applying it', async () => {
    const call = seed('in-progress');
    const detail = { callSid: call.sid, action: 'terminate', idempotencyKey: 'busy-1' };
    const running = localIdempotencyStore(stack);
    await running.persistenceStore.saveInProgress({ id: randomUUID(), source: SOURCE, detail }, 60_000);

    const eventId = await request(detail);

    expectHandedBack(eventId, call.sid, IN_PROGRESS_MESSAGE);
  });
  it.each([
    ['an end, first without accountSid', 'terminate', false],
    ['an end, first naming the default project', 'terminate', true],
    ['a redirect, first without accountSid', 'redirect', false],
    ['a redirect, first naming the default project', 'redirect', true],
  ])(
    'hands a duplicate in the other project form back for a retry while the first (%s) is still being applied',
    async (_label, kind, namedFirst) => {
      const call = seed('in-progress');
      const detail: Record<string, string | Record<string, string>> = {
        callSid: call.sid,
        ...(kind === 'terminate'
          ? { action: 'terminate' }
          : { action: 'update', update: { Url: 'https://example.com/in-flight.xml' } }),
        idempotencyKey: `busy-other-form-${kind}-${namedFirst}`,
      };
      const named = { ...detail, accountSid: stack.projectId };
      const running = localIdempotencyStore(stack);
      await running.persistenceStore.saveInProgress(
        { id: randomUUID(), source: SOURCE, detail: namedFirst ? named : detail },
        60_000,
      );

      const eventId = await request(namedFirst ? detail : named);

      expectHandedBack(
        eventId,
        call.sid,
        kind === 'terminate' ? IN_PROGRESS_MESSAGE : REDIRECT_IN_PROGRESS_MESSAGE,
      );
      // A redirect's record is held for a window from this duplicate, as under its own form; an end's is not.
      const first = { id: randomUUID(), source: SOURCE, detail: namedFirst ? named : detail };
      const held = await running.persistenceStore.getRecord(first);
      expect(held.getStatus()).toBe(IdempotencyRecordStatus.INPROGRESS);
      expect((held.inProgressExpiryTimestamp as number) > Date.now() + 600_000).toBe(kind === 'redirect');
    },
  );

  it('refused first PutEvents of an applied redirect: retried and replayed, never a "Call Update Failed"', async () => {
    const { handler, context, requested } = await overFlakyBus();
    const call = seed('in-progress');
    const event = requested({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/unpublished.xml' },
    });
    const before = output.records().length;

    await expect(handler(event, context())).rejects.toThrow(EventPublishError);
    await handler(event, context());

    // One action, one audit record: the failed publish is not the request's outcome.
    const audits = output.audits(before);
    expect(audits).toEqual([expect.objectContaining({ callSid: call.sid, outcome: 'updated' })]);

    // What happened, once: the redirect was applied. The refused PutEvents is no new failure of the request.
    expect(updated(onlyResult(event.id))).toMatchObject({ replayed: true, outcome: 'updated' });
    expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
  });

  it("a failed invocation still publishes its metrics and resets its log keys: the next event is not logged under the failed one's", async () => {
    const { handler, context, requested } = await overFlakyBus();
    const call = seed('in-progress');
    const event = requested({
      callSid: call.sid,
      action: 'terminate',
      correlationId: 'correlation-of-the-failed-event',
    });
    const publishMetrics = vi.spyOn(metrics, 'publishStoredMetrics');

    await expect(handler(event, context())).rejects.toThrow(EventPublishError);
    expect(publishMetrics).toHaveBeenCalledTimes(1);
    publishMetrics.mockRestore();

    // An invalid event next: refused (and audited) before the handler appends any key of its own.
    const before = output.records().length;
    const invalid = { ...event, id: randomUUID(), detail: { action: 'terminate' } };
    await handler(invalid as unknown as CallUpdateRequestedEvent, context());
    const written = output.records().slice(before);
    expect(written.filter((record) => record.message === AUDIT_MESSAGE)).toHaveLength(1);
    for (const record of written) {
      expect(record).not.toHaveProperty('correlationId');
      expect(record).not.toHaveProperty('requestEventId');
      expect(record).not.toHaveProperty('callSid');
    }
  });
});

describe('failures', () => {
  it('refuses an invalid event with "Call Update Failed" naming the field, without calling SignalWire or retrying', async () => {
    const call = seed('in-progress');

    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: '/relative.xml' },
      correlationId: 'bad-1',
    });

    const detail = failed(onlyResult(eventId));
    expect(detail).toMatchObject({
      requestEventId: eventId,
      correlationId: 'bad-1',
      callSid: call.sid,
      action: 'update',
      final: true,
      error: { code: 'INVALID_REQUEST', retryable: false },
    });
    expect(detail.error.violations).toEqual([
      {
        field: 'Url',
        rule: 'url',
        message:
          'Url must be an absolute http(s) URL (no user:password; a port, if given, from 1 to 65535): it does not start with http:// or https://',
      },
    ]);
    expect(detail.error.message).toContain('Url');
    expect(stack.emulator.requests).toHaveLength(0);
    expect(stack.aws.targetErrors).toEqual([]);
    const refusals = output.audits().filter((a) => a.correlationId === 'bad-1');
    expect(refusals).toEqual([
      expect.objectContaining({
        trigger: 'event',
        actor: expect.objectContaining({ name: SOURCE, claimed: { source: SOURCE } }),
        callSid: call.sid,
        outcome: 'rejected',
        errorCode: 'INVALID_REQUEST',
        change: { Url: '/relative.xml' },
      }),
    ]);
  });

  it('refuses an event from a source the configuration does not allow, even if a rule routes it', async () => {
    const call = seed('in-progress');
    stack.aws.addRule(
      {
        name: 'misrouted',
        eventBusName: stack.eventBusName,
        source: ['com.example.untrusted'],
        detailType: [CALL_UPDATE_REQUESTED],
      },
      stack.deliverCallUpdateRequested,
    );

    const eventId = await request({ callSid: call.sid, action: 'terminate' }, 'com.example.untrusted');

    expect(failed(onlyResult(eventId))).toMatchObject({
      requestSource: 'com.example.untrusted',
      final: true,
      error: {
        code: 'INVALID_REQUEST',
        violations: [
          {
            field: 'source',
            rule: 'not-allowed',
            message: 'source "com.example.untrusted" is not allowed to request call updates',
          },
        ],
      },
    });
    expect(stack.emulator.requests).toHaveLength(0);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it('audits a request for an account the secret does not hold, once, as rejected', async () => {
    const call = seed('in-progress');
    const accountSid = randomUUID();

    const eventId = await request({
      callSid: call.sid,
      accountSid,
      action: 'terminate',
      correlationId: 'acct-1',
    });

    expect(failed(onlyResult(eventId)).error).toMatchObject({
      code: 'ACCOUNT_NOT_CONFIGURED',
      retryable: false,
    });
    const audits = output.audits().filter((a) => a.correlationId === 'acct-1');
    expect(audits).toEqual([
      expect.objectContaining({
        trigger: 'event',
        accountSid,
        callSid: call.sid,
        outcome: 'rejected',
        errorCode: 'ACCOUNT_NOT_CONFIGURED',
        change: { Status: 'completed' },
      }),
    ]);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it("reports a 409-class refusal with SignalWire's code and message, final and not retried", async () => {
    const call = seed('in-progress');

    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Status: 'canceled' },
      correlationId: 'c-409',
    });

    const detail = failed(onlyResult(eventId));
    expect(detail).toMatchObject({
      correlationId: 'c-409',
      accountSid: stack.projectId,
      final: true,
      error: { code: 'CALL_STATE_CONFLICT', retryable: false, signalwire: { code: 10000, status: 400 } },
    });
    expect(detail.error.signalwire?.message).toEqual(expect.any(String));
    expect(postsTo(call.sid)).toHaveLength(1);
    expect(stack.aws.targetErrors).toEqual([]);
  });

  it('reports 21220 for a redirect of a call that is not in progress', async () => {
    const call = seed('ringing');

    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/x.xml' },
    });

    expect(failed(onlyResult(eventId)).error).toMatchObject({
      code: 'CALL_STATE_CONFLICT',
      signalwire: { code: 21220 },
    });
    expect(stack.aws.targetErrors).toEqual([]);
  });

  it('reports an unknown call as CALL_NOT_FOUND', async () => {
    const eventId = await request({ callSid: randomUUID(), action: 'terminate' });

    expect(failed(onlyResult(eventId)).error).toMatchObject({
      code: 'CALL_NOT_FOUND',
      signalwire: { code: 20404 },
    });
  });

  it('fails a transient error with a non-final event and a thrown invocation, and applies it on the retry', async () => {
    const call = seed('in-progress');
    // Rate-limited on every attempt: answered before anything was done, so the redirect is retried.
    stack.emulator.injectFault({ kind: 'status', status: 429, times: 4, method: 'POST' });

    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/retry.xml' },
    });

    expect(failed(onlyResult(eventId))).toMatchObject({
      final: false,
      error: { code: 'UPSTREAM_RATE_LIMITED', retryable: true, signalwire: { status: 429 } },
    });
    expect(stack.aws.targetErrors).toHaveLength(1);
    expect(stack.emulator.redirectsOf(call.sid)).toEqual([]);

    // Lambda's asynchronous retry: the same event again, the idempotency record having been released.
    await stack.deliverCallUpdateRequested(envelopeOf(eventId));

    const [, retried] = resultsFor(eventId);
    expect(updated(retried as PublishedEvent)).toMatchObject({ replayed: false, outcome: 'updated' });
    expect(stack.emulator.redirectsOf(call.sid)).toEqual([
      { url: 'https://example.com/retry.xml', method: 'POST' },
    ]);
  });

  it('does not retry a redirect whose answer was lost, not even when the event is delivered again', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'drop', applyFirst: true, method: 'POST' });

    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/lost.xml' },
    });
    await stack.deliverCallUpdateRequested(envelopeOf(eventId));

    const [first, again] = resultsFor(eventId).map(failed);
    expect(first).toMatchObject({
      final: true,
      replayed: false,
      error: { code: 'REDIRECT_OUTCOME_UNKNOWN', retryable: false },
    });
    expect(again).toMatchObject({ final: true, replayed: true, error: { code: 'REDIRECT_OUTCOME_UNKNOWN' } });
    expect(stack.aws.targetErrors).toEqual([]);
    expect(postsTo(call.sid)).toHaveLength(1);
    expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
  });
});

describe('defect: event-path redirect sent twice when the function runs out of time', () => {
  /** The event function over the given call service, with the stack's real bus and idempotency table. */
  const handlerOver = (calls: CallService) => eventsHandler({ calls });

  /** A "Call Update Requested" envelope asking to redirect the call, as EventBridge delivers it. */
  const redirectRequest = (callSid: string, url: string): CallUpdateRequestedEvent =>
    requestedEvent({ callSid, action: 'update', update: { Url: url } });

  it('gives its SignalWire requests a deadline, so a redirect cut by the function timeout is final and never resent', async () => {
    const handler = await handlerOver(
      createCallService(
        createSignalWireAccess({ ...readSignalWireConfig(), timeoutMs: 3_000 }, logger),
        logger,
      ),
    );
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'delay', ms: 2_500, method: 'POST' });
    const event = redirectRequest(call.sid, 'https://example.com/slow.xml');
    const context = () => createLambdaContext({ functionName: 'short-events', timeoutMs: 1_500 });

    // Every delivery ends normally (a thrown invocation would be retried by Lambda).
    await handler(structuredClone(event), context());
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await handler(structuredClone(event), context());

    expect(postsTo(call.sid)).toHaveLength(1);
    const [first, again] = resultsFor(event.id).map(failed);
    expect(first).toMatchObject({
      final: true,
      error: { code: 'REDIRECT_OUTCOME_UNKNOWN', retryable: false },
    });
    expect(again).toMatchObject({ final: true, replayed: true, error: { code: 'REDIRECT_OUTCOME_UNKNOWN' } });
  });

  it("reports a redirect cut by middy's early timeout as final REDIRECT_OUTCOME_UNKNOWN, not retried", async () => {
    const real = createSignalWireAccess({ ...readSignalWireConfig(), timeoutMs: 3_000 }, logger);
    // The real Calls API, with the deadline dropped: only the function's own timeout can stop the redirect.
    const handler = await handlerOver(
      createCallService(
        {
          forAccount: async (sid) => {
            const calls = await real.forAccount(sid);
            return Object.assign(Object.create(calls), {
              updateCall: (callSid: string, update: CallUpdate) => calls.updateCall(callSid, update),
            });
          },
        },
        logger,
      ),
    );
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'delay', ms: 2_500, method: 'POST' });
    const event = redirectRequest(call.sid, 'https://example.com/cut.xml');

    await expect(
      handler(event, createLambdaContext({ functionName: 'short-events', timeoutMs: 1_500 })),
    ).resolves.toMatchObject({ published: CALL_UPDATE_FAILED, code: 'REDIRECT_OUTCOME_UNKNOWN' });
    expect(failed(onlyResult(event.id))).toMatchObject({ final: true, error: { retryable: false } });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(postsTo(call.sid)).toHaveLength(1);
  });
});

describe('defect: outcome events not bounded when SignalWire or a gateway sends a huge body', () => {
  it('publishes "Call Update Failed" for a 400 with a 200 KB message, cut to a bounded size', async () => {
    const call = seed('in-progress');
    stack.emulator.injectFault({ kind: 'status', status: 400, method: 'POST', message: 'x'.repeat(200_000) });

    const eventId = await request({ callSid: call.sid, action: 'update', update: { Status: 'completed' } });

    const detail = failed(onlyResult(eventId));
    expect(detail).toMatchObject({
      final: true,
      error: { code: 'CALL_STATE_CONFLICT', signalwire: { status: 400 } },
    });
    expect(JSON.stringify(detail).length).toBeLessThan(4_000);
    expect(stack.aws.targetErrors).toEqual([]);
  });

  it('publishes "Call Updated" for a call whose SignalWire body holds a 200 KB field, cut to a bounded size', async () => {
    const call = stack.emulator.seedCall(stack.projectId, {
      status: 'in-progress',
      ageSeconds: 60,
      to: `+1${'9'.repeat(200_000)}`,
    });

    const eventId = await request({ callSid: call.sid, action: 'terminate' });

    const detail = updated(onlyResult(eventId));
    expect(detail).toMatchObject({ outcome: 'updated', call: { sid: call.sid, status: 'completed' } });
    expect(JSON.stringify(detail).length).toBeLessThan(64 * 1024);
    expect(stack.aws.targetErrors).toEqual([]);
  });
});

describe('one SID form', () => {
  it('ends a call whose SID and account SID the event writes in upper case', async () => {
    const call = seed('in-progress');

    const eventId = await request({
      callSid: call.sid.toUpperCase(),
      accountSid: stack.projectId.toUpperCase(),
      action: 'terminate',
    });

    expect(updated(onlyResult(eventId))).toMatchObject({
      callSid: call.sid,
      accountSid: stack.projectId,
      outcome: 'updated',
    });
    expect(postsTo(call.sid)).toHaveLength(1);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
  });

  it('treats the same idempotency key with the SID in upper and in lower case as one request', async () => {
    const call = seed('in-progress');
    const detail = {
      action: 'update',
      update: { Url: 'https://example.com/one.xml' },
      idempotencyKey: 'sid-case-1',
    };

    const upper = await request({ ...detail, callSid: call.sid.toUpperCase() });
    const lower = await request({ ...detail, callSid: call.sid });

    expect(updated(onlyResult(upper))).toMatchObject({ replayed: false, callSid: call.sid });
    expect(updated(onlyResult(lower))).toMatchObject({ replayed: true, callSid: call.sid });
    expect(postsTo(call.sid)).toHaveLength(1);
    expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
  });
});

describe('one terminate form', () => {
  it('treats a terminate with update {} and one without update, under the same key, as one request', async () => {
    const call = seed('in-progress');
    const detail = { callSid: call.sid, action: 'terminate', idempotencyKey: 'end-form-1' };

    const bare = await request(detail);
    const withEmpty = await request({ ...detail, update: {} });

    expect(updated(onlyResult(bare))).toMatchObject({ replayed: false, change: { Status: 'completed' } });
    expect(updated(onlyResult(withEmpty))).toMatchObject({ replayed: true, change: { Status: 'completed' } });
    expect(postsTo(call.sid)).toHaveLength(1);
  });
});

describe('idempotency remembers only what SignalWire decided', () => {
  it('does not remember a refusal of our credentials: the same key resent after the fix is applied', async () => {
    const call = seed('in-progress');
    stack.emulator.setToken(stack.projectId, `PT${randomUUID().replace(/-/g, '')}`);
    const detail = { callSid: call.sid, action: 'terminate', idempotencyKey: 'cfg-auth-1' };

    const refused = await request({ ...detail, correlationId: 'before-fix' });

    expect(failed(onlyResult(refused))).toMatchObject({
      final: true,
      replayed: false,
      error: { code: 'UPSTREAM_AUTH_FAILED', retryable: false },
    });
    expect(stack.aws.targetErrors).toEqual([]);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');

    // The fix: a token SignalWire accepts, in the secret.
    const fixed = `PT${randomUUID().replace(/-/g, '')}`;
    stack.emulator.setToken(stack.projectId, fixed);
    stack.aws.putSecret(
      'signalwire/call-control',
      JSON.stringify({
        projectId: stack.projectId,
        apiToken: fixed,
        spaceUrl: stack.emulator.url,
        signingKey: stack.signingKey,
      }),
    );
    const resent = await request({ ...detail, correlationId: 'after-fix' });

    expect(updated(onlyResult(resent))).toMatchObject({ replayed: false, outcome: 'updated' });
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
    expect(postsTo(call.sid).filter((r) => r.authOk)).toHaveLength(1);
  });

  it('does not remember an account the secret does not hold, but does remember a SignalWire refusal', async () => {
    const call = seed('in-progress');
    const store = localIdempotencyStore(stack);
    const unknownAccount = {
      callSid: call.sid,
      accountSid: randomUUID(),
      action: 'terminate',
      idempotencyKey: 'cfg-acct-1',
    };
    const conflict = {
      callSid: call.sid,
      action: 'update',
      update: { Status: 'canceled' },
      idempotencyKey: 'sw-409-1',
    };

    const first = await request(unknownAccount);
    const second = await request(conflict);

    expect(failed(onlyResult(first)).error.code).toBe('ACCOUNT_NOT_CONFIGURED');
    expect(failed(onlyResult(second)).error.code).toBe('CALL_STATE_CONFLICT');
    await expect(
      store.persistenceStore.getRecord({ id: first, source: SOURCE, detail: unknownAccount }),
    ).rejects.toThrow(IdempotencyItemNotFoundError);
    await expect(
      store.persistenceStore.getRecord({ id: second, source: SOURCE, detail: conflict }),
    ).resolves.toMatchObject({ status: 'COMPLETED' });
  });
});

describe('a redirect reaches a live call at most once', () => {
  it.each([
    ['500', { kind: 'status', status: 500, applyFirst: true, method: 'POST' }],
    ['a gateway 504', { kind: 'status', status: 504, applyFirst: true, method: 'POST' }],
    ['200 with a body that is not JSON', { kind: 'garble', method: 'POST' }],
  ] as const)(
    'reports a redirect answered %s as final REDIRECT_OUTCOME_UNKNOWN and never resends it',
    async (_name, fault) => {
      const call = seed('in-progress');
      stack.emulator.injectFault(fault);

      const eventId = await request({
        callSid: call.sid,
        action: 'update',
        update: { Url: 'https://example.com/at-most-once.xml' },
      });
      await stack.deliverCallUpdateRequested(envelopeOf(eventId));

      const [first, again] = resultsFor(eventId).map(failed);
      expect(first).toMatchObject({
        final: true,
        replayed: false,
        error: { code: 'REDIRECT_OUTCOME_UNKNOWN', retryable: false },
      });
      expect(again).toMatchObject({
        final: true,
        replayed: true,
        error: { code: 'REDIRECT_OUTCOME_UNKNOWN' },
      });
      expect(stack.aws.targetErrors).toEqual([]);
      expect(postsTo(call.sid)).toHaveLength(1);
      expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
    },
  );

  it('retries a redirect whose safety read failed (nothing was sent), and applies it once on the retry', async () => {
    const call = seed('in-progress');
    const now = Date.now.bind(Date);
    const idle = vi.spyOn(Date, 'now').mockImplementation(() => now() + 60_000);
    stack.emulator.injectFault({ kind: 'drop', method: 'GET', times: 2 });

    let eventId: string;
    try {
      eventId = await request({
        callSid: call.sid,
        action: 'update',
        update: { Url: 'https://example.com/after-gap.xml' },
      });
    } finally {
      idle.mockRestore();
    }

    expect(failed(onlyResult(eventId))).toMatchObject({
      final: false,
      error: { code: 'UPSTREAM_UNREACHABLE', retryable: true },
    });
    expect(stack.aws.targetErrors).toHaveLength(1);
    expect(postsTo(call.sid)).toHaveLength(0);

    await stack.deliverCallUpdateRequested(envelopeOf(eventId));

    expect(updated(resultsFor(eventId)[1] as PublishedEvent)).toMatchObject({ replayed: false });
    expect(postsTo(call.sid)).toHaveLength(1);
    expect(stack.emulator.redirectsOf(call.sid)).toEqual([
      { url: 'https://example.com/after-gap.xml', method: 'POST' },
    ]);
  });
});

describe('secrecy', () => {
  it('never writes the API token or the signing key to any log line or event', () => {
    const everything = output.lines.join('') + JSON.stringify(stack.aws.putEvents);

    expect(everything).toContain(AUDIT_MESSAGE);
    expect(everything).not.toContain(stack.apiToken);
    expect(everything).not.toContain(stack.signingKey);
  });
});

/** `depth` nested JSON arrays inside a Call: parses, but a recursive serialiser overflows on it. */
const deeplyNested = (sid: string, depth: number) =>
  `{"sid":"${sid}","status":"in-progress","extra":${'['.repeat(depth)}${']'.repeat(depth)}}`;

describe('odd 2xx body: a redirect answered 2xx with JSON that is not a usable Call', () => {
  it.each([
    ['null', () => 'null'],
    ['a deeply nested body', (sid: string) => deeplyNested(sid, 100_000)],
    ['wrong types', (sid: string) => JSON.stringify({ sid, status: 7 })],
  ] as const)(
    'odd 2xx body (%s): final REDIRECT_OUTCOME_UNKNOWN, one POST, one audit record, a redelivery replays it',
    async (_name, body) => {
      const call = seed('in-progress');
      stack.emulator.injectFault({ kind: 'garble', body: body(call.sid), method: 'POST' });
      const before = output.records().length;

      const eventId = await request({
        callSid: call.sid,
        action: 'update',
        update: { Url: 'https://example.com/odd-body.xml' },
      });
      await stack.deliverCallUpdateRequested(envelopeOf(eventId));

      const [first, again] = resultsFor(eventId).map(failed);
      expect(first).toMatchObject({
        final: true,
        replayed: false,
        error: { code: 'REDIRECT_OUTCOME_UNKNOWN', retryable: false },
      });
      expect(again).toMatchObject({
        final: true,
        replayed: true,
        error: { code: 'REDIRECT_OUTCOME_UNKNOWN' },
      });
      expect(stack.aws.targetErrors).toEqual([]);
      expect(postsTo(call.sid)).toHaveLength(1);
      expect(output.audits(before).filter((a) => a.callSid === call.sid)).toEqual([
        expect.objectContaining({ outcome: 'failed', errorCode: 'REDIRECT_OUTCOME_UNKNOWN' }),
      ]);
    },
  );
});

describe('stalled idempotency write: remembering cannot undo an applied redirect', () => {
  /**
   * A loopback proxy in front of the local DynamoDB that stalls (or fails) the COMPLETED write, Powertools'
   * UpdateItem, and passes everything else through.
   */
  const startTableProxy = async (
    mode: 'stall' | 'fail' | 'fail-unreadable' | 'fail-release' | 'lose-put-answer',
  ) => {
    const held: Array<{ destroy(): void }> = [];
    let putWritten = (): void => undefined;
    const written = new Promise<void>((resolve) => {
      putWritten = resolve;
    });
    const { url, server } = await startDynamoDbProxy(stack.dynamodb.url, {
      before: (target, incoming, answer) => {
        const refused = target.endsWith(mode === 'fail-release' ? '.DeleteItem' : '.UpdateItem');
        // `fail-unreadable`: the record cannot be read back either (GetItem).
        if (!refused && !(mode === 'fail-unreadable' && target.endsWith('.GetItem'))) return false;
        if (mode === 'stall') held.push(incoming.socket);
        else answerInternalServerError(answer);
        return true;
      },
      after: (target, incoming) => {
        if (mode !== 'lose-put-answer' || !target.endsWith('.PutItem')) return false;
        // The in-progress record is written; its writer never hears so.
        held.push(incoming.socket);
        putWritten();
        return true;
      },
    });
    return {
      url,
      /** A DynamoDB client of the table through this proxy, one attempt per request (no SDK retry hides a fault). */
      client: () =>
        new DynamoDBClient({
          endpoint: url,
          region: 'us-east-1',
          maxAttempts: 1,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        }),
      /** Settles once a PutItem was written and its answer held back (`lose-put-answer`). */
      written,
      close: () => {
        for (const socket of held) socket.destroy();
        server.close();
      },
    };
  };

  const handlerOverTable = async (
    client: DynamoDBClient,
    publisher: EventPublisher = new EventBridgePublisher({
      eventBusName: stack.eventBusName,
      source: DEFAULT_EVENT_SOURCE,
    }),
  ) => {
    const { createCallUpdateEventsHandler } = await import('../../functions/call-update-events.ts');
    return createCallUpdateEventsHandler({
      calls: bothKinds(),
      publisher,
      idempotency: createCallUpdateIdempotency({
        tableName: stack.idempotencyTableName,
        expiresAfterSeconds: 3600,
        client,
      }),
      allowedSources: [SOURCE],
    });
  };

  const redirectEvent = (callSid: string, url: string): CallUpdateRequestedEvent =>
    requestedEvent({ callSid, action: 'update', update: { Url: url } });

  it.each([
    ['fails', 'fail', { maxAttempts: 1 }],
    ['stalls past the SDK request timeout', 'stall', { ...sdkClientDefaults(), maxAttempts: 1 }],
    ['stalls, on a client without any timeout, until the deadline', 'stall', { maxAttempts: 1 }],
  ] as const)(
    'stalled idempotency write: when the COMPLETED write %s, "Call Updated" is published and audited (never as a replay) and a redelivery sends nothing',
    async (_name, mode, clientConfig) => {
      const proxy = await startTableProxy(mode);
      try {
        const handler = await handlerOverTable(
          new DynamoDBClient({
            ...clientConfig,
            endpoint: proxy.url,
            region: 'us-east-1',
            credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          }),
        );
        const call = seed('in-progress');
        const event = redirectEvent(call.sid, 'https://example.com/unrecorded.xml');
        const before = output.records().length;
        const context = () => createLambdaContext({ functionName: 'stalled-table', timeoutMs: 4_000 });

        await expect(handler(structuredClone(event), context())).resolves.toMatchObject({
          published: CALL_UPDATED,
        });
        // A redelivery while the in-progress record stands (until the first invocation's deadline).
        await expect(handler(structuredClone(event), context())).rejects.toThrow(
          IdempotencyAlreadyInProgressError,
        );

        expect(updated(onlyResult(event.id))).toMatchObject({ outcome: 'updated', replayed: false });
        expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
        expect(output.audits(before).filter((a) => a.callSid === call.sid)).toEqual([
          expect.objectContaining({ outcome: 'updated' }),
        ]);
        const messages = output
          .records()
          .slice(before)
          .map((line) => line.message);
        expect(messages).toContain('the outcome could not be recorded; publishing it anyway');
        // Applied, not replayed: there is no replayed outcome whose record could not be kept.
        expect(messages).not.toContain(RENEWAL_FAILED_MESSAGE);
      } finally {
        proxy.close();
      }
    },
  );

  // A redelivery is handed back (the in-progress record stands), or, the table unreadable, fails as transient
  // before anything is sent (its "Call Update Failed" refused by the same bus).
  it.each([
    [
      'an applied redirect',
      'fail',
      undefined,
      { published: null, eventId: null },
      CALL_UPDATED,
      IdempotencyAlreadyInProgressError,
    ],
    [
      'an applied redirect, its record unreadable too',
      'fail-unreadable',
      undefined,
      { published: null, eventId: null },
      CALL_UPDATED,
      EventPublishError,
    ],
    [
      'a redirect whose answer was lost',
      'fail',
      { kind: 'drop', applyFirst: true, method: 'POST' },
      { published: null, eventId: null, code: 'REDIRECT_OUTCOME_UNKNOWN' },
      CALL_UPDATE_FAILED,
      IdempotencyAlreadyInProgressError,
    ],
  ] as const)(
    'unrecorded outcome, first PutEvents refused (%s): ends normally with the result it could not publish, logged, never sent again',
    async (_name, mode, fault, returned, detailType, redelivery) => {
      const proxy = await startTableProxy(mode);
      try {
        const refusing: EventPublisher = {
          publish: async (detailType) => {
            throw new EventPublishError(detailType, 'ThrottlingException', 'throttled');
          },
        };
        const handler = await handlerOverTable(proxy.client(), refusing);
        const call = seed('in-progress');
        const event = redirectEvent(call.sid, 'https://example.com/unpublished-unrecorded.xml');
        const before = output.records().length;
        const context = () => createLambdaContext({ functionName: 'lost-result', timeoutMs: 4_000 });
        if (fault) stack.emulator.injectFault(fault);

        // Not thrown: Lambda's retry would send the redirect again (nothing says it went out).
        await expect(handler(structuredClone(event), context())).resolves.toEqual(returned);
        expect(output.audits(before)).toHaveLength(1);
        await expect(handler(structuredClone(event), context())).rejects.toThrow(redelivery);

        expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
        expect(resultsFor(event.id)).toEqual([]);
        const lines = output.records().slice(before);
        expect(lines.filter((line) => line.level === 'ERROR')).toContainEqual(
          expect.objectContaining({
            message: 'SignalWire acted on the call, but its result could be neither recorded nor published',
            // Which result was lost, and why PutEvents refused it.
            detailType,
            error: expect.objectContaining({
              name: 'EventPublishError',
              message: expect.stringContaining('throttled'),
            }),
          }),
        );
      } finally {
        proxy.close();
      }
    },
  );

  it('replayed outcome whose record could not be renewed: publishes the replay, warns that the record keeps its old expiry, and says nothing of an unrecorded outcome', async () => {
    const proxy = await startTableProxy('fail');
    try {
      const clientAt = (endpoint: string) =>
        new DynamoDBClient({
          endpoint,
          region: 'us-east-1',
          maxAttempts: 1,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        });
      const call = seed('in-progress');
      const event = redirectEvent(call.sid, 'https://example.com/renewal.xml');
      const context = () => createLambdaContext({ functionName: 'renewal', timeoutMs: 4_000 });
      // Applied and recorded over the working table...
      await (await handlerOverTable(clientAt(stack.dynamodb.url)))(structuredClone(event), context());
      const store = localIdempotencyStore(stack).persistenceStore;
      const expiry = (await store.getRecord(event as never)).expiryTimestamp;
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const before = output.records().length;

      // ...then redelivered while the table refuses every update: the replay's renewal fails.
      await expect(
        (await handlerOverTable(clientAt(proxy.url)))(structuredClone(event), context()),
      ).resolves.toMatchObject({ published: CALL_UPDATED });

      expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
      expect(resultsFor(event.id).map((result) => updated(result).replayed)).toEqual([false, true]);
      const lines = output.records().slice(before);
      expect(lines.filter((line) => line.level === 'WARN').map((line) => line.message)).toContain(
        'the replayed outcome is published, but its idempotency record could not be kept for another window: it ' +
          'keeps its old expiry, so a replay of this request after that expiry could apply it again',
      );
      expect(lines.map((line) => line.message)).not.toContain(
        'the outcome could not be recorded; publishing it anyway',
      );
      expect(lines.filter((line) => line.level === 'ERROR')).toEqual([]);
      expect((await store.getRecord(event as never)).expiryTimestamp).toBe(expiry);
    } finally {
      proxy.close();
    }
  });

  /** Lambda's retry of a handed-back invocation comes a minute or more later: past the first one's deadline. */
  const pastTheDeadline = (timeoutMs: number) =>
    new Promise((resolve) => setTimeout(resolve, timeoutMs + 200));

  it("stalled idempotency write, the window closed: a redirect's redelivery after the first invocation's deadline sends nothing to SignalWire and is handed back to Lambda", async () => {
    const proxy = await startTableProxy('fail');
    try {
      const handler = await handlerOverTable(proxy.client());
      const call = seed('in-progress');
      const event = redirectEvent(call.sid, 'https://example.com/window.xml');
      const timeoutMs = 1_500;
      const context = () => createLambdaContext({ functionName: 'remaining-window', timeoutMs });

      await expect(handler(structuredClone(event), context())).resolves.toMatchObject({
        published: CALL_UPDATED,
      });
      expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
      stack.emulator.clearRequests();
      const before = output.records().length;

      await pastTheDeadline(timeoutMs);
      await expect(handler(structuredClone(event), context())).rejects.toThrow(
        IdempotencyAlreadyInProgressError,
      );

      expect(stack.emulator.requests).toEqual([]);
      expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(1);
      expect(updated(onlyResult(event.id))).toMatchObject({ outcome: 'updated', replayed: false });
      expect(
        output
          .records()
          .slice(before)
          .map((line) => line.message),
      ).toContain(REDIRECT_IN_PROGRESS_MESSAGE);
    } finally {
      proxy.close();
    }
  });

  it("stalled idempotency write of an end: a redelivery after the deadline ends the call again, which is harmless (the in-progress record keeps the invocation's deadline)", async () => {
    const proxy = await startTableProxy('fail');
    try {
      const handler = await handlerOverTable(proxy.client());
      const call = seed('in-progress');
      const event: CallUpdateRequestedEvent = {
        ...redirectEvent(call.sid, 'https://example.com/unused.xml'),
        detail: { callSid: call.sid, action: 'terminate' },
      };
      const timeoutMs = 1_500;
      const context = () => createLambdaContext({ functionName: 'remaining-window-end', timeoutMs });

      await expect(handler(structuredClone(event), context())).resolves.toMatchObject({
        published: CALL_UPDATED,
      });
      await pastTheDeadline(timeoutMs);
      await expect(handler(structuredClone(event), context())).resolves.toMatchObject({
        published: CALL_UPDATED,
      });

      expect(postsTo(call.sid)).toHaveLength(2);
      expect(resultsFor(event.id).map((result) => updated(result).outcome)).toEqual([
        'updated',
        'already-ended',
      ]);
    } finally {
      proxy.close();
    }
  });

  /** Waits until `condition` holds, failing with `what` (and the child's output) if it does not in time. */
  const until = async (condition: () => boolean, what: () => string, ms = 30_000) => {
    const end = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it.each([
    ['after writing its in-progress record, before sending', false],
    ['while SignalWire holds the redirect it sent', true],
  ] as const)(
    'a redirect whose invocation crashed %s is never sent again: a redelivery after its deadline sends nothing and is handed back to Lambda',
    async (_name, sent) => {
      const proxy = await startTableProxy('lose-put-answer');
      const call = seed('in-progress');
      const event = redirectEvent(call.sid, 'https://example.com/crashed.xml');
      const timeoutMs = 4_000;
      if (sent) stack.emulator.injectFault({ kind: 'delay', ms: 3_000, method: 'POST' });
      // The real function in a process of its own, killed below: nothing after the kill runs, as in a crash.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', invokeScript, JSON.stringify(event), String(timeoutMs)],
        {
          env: {
            ...process.env,
            // Longer than the held POST: the crash, not the client's own timeout, ends the request.
            SIGNALWIRE_TIMEOUT_MS: '10000',
            ...(sent ? {} : { AWS_ENDPOINT_URL_DYNAMODB: proxy.url }),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let childOutput = '';
      child.stdout.on('data', (chunk: Buffer) => {
        childOutput += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        childOutput += chunk.toString();
      });
      const exited = once(child, 'exit');
      try {
        const ended = () => child.exitCode !== null || child.signalCode !== null;
        await Promise.race([
          sent
            ? until(
                () => postsTo(call.sid).length === 1 || ended(),
                () => `the POST; ${childOutput}`,
              )
            : proxy.written,
          exited,
        ]);
        if (ended()) throw new Error(`the invocation ended before its crash: ${childOutput}`);
        child.kill('SIGKILL');
        await exited;
        expect(resultsFor(event.id)).toEqual([]);
        stack.emulator.clearRequests();
        const before = output.records().length;

        await pastTheDeadline(timeoutMs);
        const handler = await handlerOverTable(new DynamoDBClient({ endpoint: stack.dynamodb.url }));
        await expect(
          handler(structuredClone(event), createLambdaContext({ functionName: 'redelivered', timeoutMs })),
        ).rejects.toThrow(IdempotencyAlreadyInProgressError);

        expect(stack.emulator.requests).toEqual([]);
        expect(stack.emulator.redirectsOf(call.sid)).toHaveLength(sent ? 1 : 0);
        expect(resultsFor(event.id)).toEqual([]);
        expect(
          output
            .records()
            .slice(before)
            .map((line) => line.message),
        ).toContain(REDIRECT_IN_PROGRESS_MESSAGE);
      } finally {
        child.kill('SIGKILL');
        proxy.close();
      }
    },
    60_000,
  );

  it('a redirect refused 429 whose record could not be released: nothing was applied, yet its retry after the deadline sends nothing either (the record says nothing of what was sent) and is handed back to Lambda', async () => {
    const proxy = await startTableProxy('fail-release');
    try {
      const handler = await handlerOverTable(proxy.client());
      const call = seed('in-progress');
      const event = redirectEvent(call.sid, 'https://example.com/unreleased.xml');
      const timeoutMs = 3_000;
      const context = () => createLambdaContext({ functionName: 'unreleased', timeoutMs });
      stack.emulator.injectFault({ kind: 'status', status: 429, times: 4, method: 'POST' });
      const before = output.records().length;

      await expect(handler(structuredClone(event), context())).rejects.toThrow();
      expect(failed(onlyResult(event.id))).toMatchObject({
        final: false,
        error: { code: 'UPSTREAM_RATE_LIMITED' },
      });
      expect(
        output
          .records()
          .slice(before)
          .map((line) => line.message),
      ).toContain(
        "the idempotency record could not be released; this redirect's retries are handed back until it expires, at the end of the idempotency window (the event ends in the dead-letter queue)",
      );
      stack.emulator.clearRequests();

      await pastTheDeadline(timeoutMs);
      await expect(handler(structuredClone(event), context())).rejects.toThrow(
        IdempotencyAlreadyInProgressError,
      );

      expect(stack.emulator.requests).toEqual([]);
      expect(stack.emulator.redirectsOf(call.sid)).toEqual([]);
    } finally {
      proxy.close();
    }
  });
});

describe('what operators read of a request: audit, logs and metrics', () => {
  /**
   * The records written from now on. An invocation that failed (a retry asked of Lambda) leaves its metrics
   * stored for the next flush: they are written first, so that only this test's invocations follow.
   */
  const mark = (): number => {
    metrics.publishStoredMetrics();
    return output.records().length;
  };
  /** The EMF metric records written since `after` records. */
  const metricsSince = (after: number) =>
    output
      .records()
      .slice(after)
      .filter((record) => record._aws !== undefined);

  it('counts an applied request as applied, and its redelivery as applied and replayed', async () => {
    const call = seed('in-progress');
    const before = mark();

    const eventId = await request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/m.xml' },
    });
    await stack.deliverCallUpdateRequested(envelopeOf(eventId));

    const emitted = metricsSince(before);
    expect(emitted.filter((r) => r.CallUpdateRequestsApplied === 1)).toHaveLength(2);
    expect(emitted.filter((r) => r.CallUpdateRequestsReplayed === 1)).toHaveLength(1);
    expect(emitted.filter((r) => r.CallUpdateRequestsFailed !== undefined)).toEqual([]);
  });

  it('counts a refused request as failed, never as applied or replayed', async () => {
    const before = mark();

    await request({ callSid: 'not-a-sid', action: 'terminate' });

    const emitted = metricsSince(before);
    expect(emitted.filter((r) => r.CallUpdateRequestsFailed === 1)).toHaveLength(1);
    expect(emitted.filter((r) => r.CallUpdateRequestsApplied !== undefined)).toEqual([]);
    expect(emitted.filter((r) => r.CallUpdateRequestsReplayed !== undefined)).toEqual([]);
  });

  it('logs a refused request at info with its code and message, and nothing at error level', async () => {
    const before = output.records().length;

    const eventId = await request({ callSid: 'not-a-sid', action: 'terminate' });

    const { error } = failed(onlyResult(eventId));
    const written = output.records().slice(before);
    expect(written.filter((r) => r.message === 'request not applied')).toEqual([
      expect.objectContaining({ level: 'INFO', error: { code: 'INVALID_REQUEST', message: error.message } }),
    ]);
    expect(written.filter((r) => r.level === 'ERROR')).toEqual([]);
  });

  it("writes the log lines of a request under the request's id, source, call and correlation id", async () => {
    const call = seed('in-progress');
    const before = output.records().length;

    const eventId = await request({ callSid: call.sid, action: 'terminate', correlationId: 'keys-1' });

    const audit = output
      .records()
      .slice(before)
      .find((r) => r.message === AUDIT_MESSAGE);
    expect(audit).toMatchObject({
      requestEventId: eventId,
      requestSource: SOURCE,
      callSid: call.sid,
      correlationId: 'keys-1',
    });
  });

  it('logs an unexpected failure once at error level with its cause, for the operator, never as a plain refusal', async () => {
    const real = createCallService(createSignalWireAccess(readSignalWireConfig(), logger), logger);
    const defect = new TypeError('a defect in the call service');
    const broken: CallService = {
      ...real,
      apply: async () => {
        throw defect;
      },
      applyUnlessNotFound: async () => {
        throw defect;
      },
    };
    const handler = await eventsHandler({ calls: broken });
    const event = requestedEvent({ callSid: seed('in-progress').sid, action: 'terminate' });
    const before = output.records().length;

    await handler(event, createLambdaContext({ functionName: 'defect', timeoutMs: 60_000 })).catch(
      () => undefined,
    );

    const written = output.records().slice(before);
    expect(written.filter((r) => r.level === 'ERROR')).toEqual([
      expect.objectContaining({
        message: 'unexpected error',
        error: expect.objectContaining({ name: 'TypeError', message: 'a defect in the call service' }),
      }),
    ]);
    expect(written.filter((r) => r.message === 'request not applied')).toEqual([]);
  });

  it('refuses an invocation that is not an event at all as from a source not allowed, touching nothing', async () => {
    for (const notAnEvent of [null, 'terminate everything']) {
      const result = await stack.deliverCallUpdateRequested(notAnEvent as unknown as EventBridgeEnvelope);

      expect(result).toMatchObject({ published: CALL_UPDATE_FAILED });
    }
    const refusals = stack.aws.putEvents
      .slice(-2)
      .map((e) => (e.envelope.detail as unknown as CallUpdateFailedDetail).error.violations);
    expect(refusals).toEqual([
      [
        {
          field: 'source',
          rule: 'not-allowed',
          message: 'source undefined is not allowed to request call updates',
        },
      ],
      [
        {
          field: 'source',
          rule: 'not-allowed',
          message: 'source undefined is not allowed to request call updates',
        },
      ],
    ]);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('audits a refused transfer without a usable destination as a transfer to nowhere, never as a crash or a made-up place', async () => {
    const callSid = randomUUID();

    for (const transfer of [undefined, { dest: 42 }]) {
      const eventId = await request({
        callSid,
        action: 'transfer',
        api: 'calling',
        ...(transfer ? { transfer } : {}),
      });
      expect(failed(onlyResult(eventId)).error.code).toBe('INVALID_REQUEST');
    }

    const audited = output.audits().filter((a) => a.callSid === callSid);
    expect(audited.map((a) => [a.outcome, a.change])).toEqual([
      ['rejected', {}],
      ['rejected', {}],
    ]);
    expect(stack.emulator.requests.filter((r) => r.path.includes(callSid))).toEqual([]);
  });

  it('audits a refused terminate with the change it asked for, its correlation id cut to 128 characters', async () => {
    const correlationId = `c-${'x'.repeat(300)}`;

    await request({ callSid: 'not-a-sid', action: 'terminate', correlationId });

    const audited = output.audits().filter((a) => a.callSid === 'not-a-sid');
    expect(audited.at(-1)).toMatchObject({
      outcome: 'rejected',
      correlationId: correlationId.slice(0, 128),
      change: { Status: 'completed' },
    });
  });
});
