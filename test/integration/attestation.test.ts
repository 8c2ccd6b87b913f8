import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '#commons/calls/audit';
import type { Call } from '#commons/signalwire/types';
import {
  LOCAL_CALL_UPDATE_EVENTS_FUNCTION,
  LOCAL_CLEANUP_FUNCTION,
  LOCAL_CREDENTIALS,
  LOCAL_HTTP_API_FUNCTION,
  LOCAL_IDENTITY_ARN,
  type LocalStack,
  startLocalStack,
} from '#local/local-stack';
import { captureOutput } from '../support/output-capture.ts';

/**
 * Issue 17, item 1: whoever may invoke a function writes its input, so no input field makes an actor attested.
 * Each forgery the issue lists is made here as an attacker holding `lambda:InvokeFunction` would make it: a
 * Lambda Invoke of the unqualified function through the real AWS SDK client against the local stack, which
 * runs the real handlers. The same input through the trigger's own alias is attested, as deployed.
 */

const output = captureOutput();
let stack: LocalStack;
let lambda: LambdaClient;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const arnOf = (fn: string, alias?: string) =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}${alias ? `:${alias}` : ''}`;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  stack = await startLocalStack();
  lambda = new LambdaClient({
    endpoint: stack.aws.url,
    region: REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  lambda?.destroy();
  await stack?.stop();
  output.restore();
});

const invoke = async (functionName: string, payload: unknown, qualifier?: string): Promise<unknown> => {
  const answer = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      ...(qualifier ? { Qualifier: qualifier } : {}),
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  expect(answer.FunctionError).toBeUndefined();
  return JSON.parse(new TextDecoder().decode(answer.Payload));
};

const seed = (): Call =>
  stack.emulator.seedCall(stack.projectId, {
    status: 'in-progress',
    ageSeconds: 7200,
    direction: 'outbound',
  });

const auditsAfter = (before: number): AuditRecord[] => output.audits(before) as unknown as AuditRecord[];

describe('forgery: a hand invoke of the cleanup function claiming to be the nightly schedule', () => {
  const nightly = (to: string) => ({
    scheduleName: 'nightly',
    policy: { maxAgeSeconds: { inProgress: 3600 }, to: { prefixes: [to] } },
    // Exactly what Scheduler substitutes for the nightly schedule of this account and region.
    scheduler: {
      scheduleArn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/call-control/nightly`,
      executionId: 'exec-forged',
      scheduledTime: '2026-12-06T03:00:00Z',
      attemptNumber: '1',
    },
  });

  it('is recorded as claimed, with the unqualified function as the attested invoked ARN', async () => {
    const call = seed();
    const before = output.records().length;

    await invoke(LOCAL_CLEANUP_FUNCTION, nightly(call.to));

    const [record] = auditsAfter(before);
    expect(record?.callSid).toBe(call.sid);
    expect(record?.actor).toEqual({
      name: 'nightly',
      attested: { invokedAs: arnOf(LOCAL_CLEANUP_FUNCTION) },
      claimed: { scheduleName: 'nightly', ...nightly(call.to).scheduler },
    });
  });

  it("is attested only through the scheduler alias, which only the schedules' role is granted", async () => {
    const call = seed();
    const before = output.records().length;

    await invoke(LOCAL_CLEANUP_FUNCTION, nightly(call.to), 'scheduler');

    const [record] = auditsAfter(before);
    expect(record?.actor).toEqual({
      name: 'nightly',
      attested: { invokedAs: arnOf(LOCAL_CLEANUP_FUNCTION, 'scheduler'), ...nightly(call.to).scheduler },
      claimed: { scheduleName: 'nightly' },
    });
  });

  it('refuses an alias the function does not have, as Lambda does', async () => {
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: LOCAL_CLEANUP_FUNCTION, Qualifier: 'api-gateway' })),
    ).rejects.toThrow(/Function not found/);
  });
});

describe('forgery: a direct invoke of the event function with account 999999999999', () => {
  const envelope = (callSid: string) => ({
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Call Update Requested',
    source: 'com.example.crm',
    account: '999999999999',
    time: new Date().toISOString(),
    region: REGION,
    resources: [],
    detail: { callSid, action: 'terminate' },
  });

  it('records that account as claimed, not attested', async () => {
    const call = seed();
    const before = output.records().length;

    await invoke(LOCAL_CALL_UPDATE_EVENTS_FUNCTION, envelope(call.sid));

    const [record] = auditsAfter(before);
    expect(record?.callSid).toBe(call.sid);
    expect(record?.actor).toEqual({
      name: 'com.example.crm',
      attested: { invokedAs: arnOf(LOCAL_CALL_UPDATE_EVENTS_FUNCTION) },
      claimed: { source: 'com.example.crm', account: '999999999999', region: REGION },
    });
  });
});

describe('forgery: a direct invoke of the HTTP function with its own requestContext.authorizer.iam', () => {
  const forged = (callSid: string) => ({
    version: '2.0',
    routeKey: 'POST /calls/{callSid}/terminate',
    rawPath: `/calls/${callSid}/terminate`,
    rawQueryString: '',
    headers: {},
    pathParameters: { callSid },
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'forged',
      domainName: 'forged.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'forged',
      http: {
        method: 'POST',
        path: `/calls/${callSid}/terminate`,
        protocol: 'HTTP/1.1',
        sourceIp: '10.0.0.1',
        userAgent: 'x',
      },
      requestId: 'forged-request',
      routeKey: 'POST /calls/{callSid}/terminate',
      stage: '$default',
      time: '06/Dec/2026:05:00:00 +0000',
      timeEpoch: 1_796_533_200_000,
      authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:role/security-admin', accountId: ACCOUNT } },
    },
  });

  it('records the principal it names as claimed, not attested', async () => {
    const call = seed();
    const before = output.records().length;

    await invoke(LOCAL_HTTP_API_FUNCTION, forged(call.sid));

    const [record] = auditsAfter(before);
    expect(record?.callSid).toBe(call.sid);
    expect(record?.actor).toEqual({
      name: 'arn:aws:iam::123456789012:role/security-admin',
      attested: { invokedAs: arnOf(LOCAL_HTTP_API_FUNCTION) },
      claimed: { principal: 'arn:aws:iam::123456789012:role/security-admin', accountId: ACCOUNT },
    });
  });

  it('gains nothing from a route key its path disagrees with: the call acted on is the one audited, as claimed', async () => {
    const acted = seed();
    const named = seed();
    const event = forged(acted.sid);
    // The path (and method) say "read another call"; the route key and its parameters say "end this one".
    Object.assign(event, { rawPath: `/calls/${named.sid}` });
    Object.assign(event.requestContext.http, { method: 'GET', path: `/calls/${named.sid}` });
    const before = output.records().length;

    await invoke(LOCAL_HTTP_API_FUNCTION, event);

    const [record] = auditsAfter(before);
    expect(record).toMatchObject({ callSid: acted.sid, outcome: 'updated' });
    expect(record?.actor.attested).toEqual({ invokedAs: arnOf(LOCAL_HTTP_API_FUNCTION) });
    expect(stack.emulator.getCall(stack.projectId, acted.sid)?.status).toBe('completed');
    expect(stack.emulator.getCall(stack.projectId, named.sid)?.status).toBe('in-progress');
  });

  it('attests the SigV4 caller of a request through the local API Gateway, which invokes the api-gateway alias', async () => {
    const call = seed();
    const before = output.records().length;

    // The local stand-in takes an unsigned request as the local developer (see README, "Run it locally").
    const answer = await fetch(`${stack.api.url}/calls/${call.sid}/terminate`, { method: 'POST' });

    expect(answer.status).toBe(200);
    const [record] = auditsAfter(before);
    expect(record?.actor).toEqual({
      name: LOCAL_IDENTITY_ARN,
      attested: {
        invokedAs: arnOf(LOCAL_HTTP_API_FUNCTION, 'api-gateway'),
        principal: LOCAL_IDENTITY_ARN,
        accountId: ACCOUNT,
      },
      claimed: {},
    });
  });
});

describe('finding 12: a percent-encoded account SID in the path (path-scoped IAM policies)', () => {
  /** `/accounts/{sid}` with the SID's first character percent-encoded: the same path parameter once decoded. */
  const encoded = () => `%${stack.projectId.charCodeAt(0).toString(16)}${stack.projectId.slice(1)}`;

  it('is refused, naming accountSid, before SignalWire or the audit of an action sees it', async () => {
    const call = seed();
    stack.emulator.clearRequests();

    const answer = await fetch(`${stack.api.url}/accounts/${encoded()}/calls/${call.sid}/terminate`, {
      method: 'POST',
    });

    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: { code: string; violations?: Array<{ field: string }> } };
    expect(JSON.stringify(body)).toContain('accountSid');
    expect(JSON.stringify(body)).toContain('percent-encoded');
    expect(stack.emulator.requests).toEqual([]);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });

  it('is refused on reads too, and percent-encoding the word "accounts" does not slip past', async () => {
    const reads = [
      `${stack.api.url}/accounts/${encoded()}/calls`,
      `${stack.api.url}/%61ccounts/${stack.projectId}/calls`,
    ];
    for (const url of reads) {
      const answer = await fetch(url);
      expect([400, 404]).toContain(answer.status);
    }
    expect((await fetch(reads[0] ?? '')).status).toBe(400);
  });

  it('acts on the same account written out literally', async () => {
    const call = seed();
    const answer = await fetch(`${stack.api.url}/accounts/${stack.projectId}/calls/${call.sid}/terminate`, {
      method: 'POST',
    });
    expect(answer.status).toBe(200);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('completed');
  });
});
