import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_UPDATE_FAILED, CALL_UPDATE_REQUESTED, CALL_UPDATED } from '#commons/events/contracts';
import { RECORD_DEADLINE_MARGIN_MS } from '#commons/platform/settings';
import { createCallUpdateIdempotency, IDEMPOTENCY_KEY_PREFIX } from '#commons/update-requests/idempotency';
import { createLambdaContext } from '#local/lambda-context';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { captureOutput } from '../support/output-capture.ts';
import { oddSuccessBody, stalledWrite } from './arbitraries.ts';

/**
 * Properties of what happens after SignalWire may have acted: whatever a 2xx answer holds, a redirect is sent
 * once and ends in one final result and one audit record; whatever an idempotency write does (stall, fail,
 * reset), writing the outcome or releasing the record never fails the invocation nor outlives its deadline.
 */

const SEED = Number(process.env.FC_SEED ?? 20_261_206);
const BODY_RUNS = 60;
const WRITE_RUNS = 12;

const output = captureOutput();
let stack: LocalStack;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  stack = await startLocalStack();
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

describe('odd 2xx bodies to a redirect, over the event function', () => {
  it(`end in one final REDIRECT_OUTCOME_UNKNOWN, one POST and one audit record (${BODY_RUNS} bodies, seed ${SEED})`, async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });
    await fc.assert(
      fc.asyncProperty(oddSuccessBody(call.sid), async (body) => {
        stack.emulator.clearRequests();
        stack.emulator.clearFaults();
        stack.aws.targetErrors.length = 0;
        stack.emulator.injectFault({ kind: 'garble', body, method: 'POST' });
        const before = output.records().length;
        const id = randomUUID();

        await stack.deliverCallUpdateRequested({
          version: '0',
          id,
          'detail-type': CALL_UPDATE_REQUESTED,
          source: 'com.example.crm',
          account: '123456789012',
          time: new Date().toISOString(),
          region: 'us-east-1',
          resources: [],
          detail: { callSid: call.sid, action: 'update', update: { Url: 'https://example.com/odd.xml' } },
        });

        const results = stack.aws.putEvents.filter(
          (e) =>
            (e.envelope['detail-type'] === CALL_UPDATED ||
              e.envelope['detail-type'] === CALL_UPDATE_FAILED) &&
            e.envelope.detail.requestEventId === id,
        );
        expect(results.map((r) => r.envelope.detail)).toEqual([
          expect.objectContaining({
            final: true,
            error: expect.objectContaining({ code: 'REDIRECT_OUTCOME_UNKNOWN' }),
          }),
        ]);
        expect(stack.aws.targetErrors).toEqual([]);
        expect(stack.emulator.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
        expect(output.audits(before)).toEqual([expect.objectContaining({ outcome: 'failed' })]);
      }),
      { seed: SEED, numRuns: BODY_RUNS, endOnFailure: true },
    );
  }, 120_000);
});

describe('stalled AWS calls: the idempotency writes made after SignalWire acted', () => {
  let server: Server;
  /** What the loopback DynamoDB does to the planned operation in the current run. */
  let plan = { operation: '', behaviour: '' };
  const held: Array<{ destroy(): void }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const operation = String(request.headers['x-amz-target']).split('.').pop();
        if (operation !== plan.operation) {
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          response.end('{}');
        } else if (plan.behaviour === 'stall') {
          held.push(request.socket);
        } else if (plan.behaviour === 'reset') {
          request.socket.destroy();
        } else {
          response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
          response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' }));
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  afterAll(() => {
    for (const socket of held) socket.destroy();
    server.close();
  });

  it(`never fail the invocation nor outlive its deadline (${WRITE_RUNS} plans, seed ${SEED})`, async () => {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await fc.assert(
      fc.asyncProperty(stalledWrite, async (generated) => {
        plan = generated;
        const { config, persistenceStore } = createCallUpdateIdempotency({
          tableName: 'call-control-idempotency',
          expiresAfterSeconds: 3600,
          // No SDK timeout here: only the deadline bounds the write.
          client: new DynamoDBClient({
            endpoint,
            region: 'us-east-1',
            maxAttempts: 1,
            credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          }),
        });
        config.registerLambdaContext(
          createLambdaContext({ functionName: 'stalled-writes', timeoutMs: generated.remainingMs }),
        );
        persistenceStore.configure({ config, keyPrefix: IDEMPOTENCY_KEY_PREFIX });
        const data = { id: randomUUID(), source: 'com.example.crm', detail: { callSid: 'c' } };
        const started = Date.now();

        const write =
          generated.operation === 'UpdateItem'
            ? persistenceStore.saveSuccess(data, { kind: 'applied' })
            : persistenceStore.deleteRecord(data);

        await expect(write).resolves.toBeUndefined();
        expect(Date.now() - started).toBeLessThan(generated.remainingMs - RECORD_DEADLINE_MARGIN_MS + 300);
      }),
      { seed: SEED, numRuns: WRITE_RUNS, endOnFailure: true },
    );
  }, 60_000);
});
