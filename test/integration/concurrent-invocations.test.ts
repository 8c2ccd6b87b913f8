import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_UPDATE_FAILED, CALL_UPDATE_REQUESTED } from '#commons/events/contracts';
import { toApiGatewayEvent } from '#local/api-gateway';
import { LocalAws } from '#local/aws-emulator';
import { SignalWireEmulator } from '#local/signalwire-emulator';

/**
 * Every function's prebuilt bundle (dist/functions/default, `npm run build`) where Lambda runs invocations
 * concurrently in one environment (Lambda Managed Instances): `AWS_LAMBDA_MAX_CONCURRENCY` set, and the runtime's
 * per-invocation store (`@aws/lambda-invoke-store`) created before the function is loaded, every invocation run in
 * a context of its own, as the runtime does. Powertools 2.35's Metrics read that store at construction, outside
 * any invocation, so every function failed at init ("No context available").
 */

const root = join(import.meta.dirname, '..', '..');
const bundleOf = (name: string): string => join(root, 'dist', 'functions', 'default', name, 'index.mjs');
const PROJECT_ID = '6d1c0f3e-2b4a-4c8d-9e7f-0a1b2c3d4e5f';
const SECRET_ID = 'lmi/signalwire';

let emulator: SignalWireEmulator;
let aws: LocalAws;

beforeAll(async () => {
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT_ID, apiToken }] });
  aws = await LocalAws.start();
  aws.putSecret(SECRET_ID, JSON.stringify({ projectId: PROJECT_ID, apiToken, spaceUrl: emulator.url }));
});

afterAll(async () => {
  await Promise.all([emulator?.stop(), aws?.stop()]);
});

/**
 * The runtime's side, in a process of its own: the store first, then the function, then the invocations at once,
 * each in its own context (request id and trace id, as the runtime sets them). Prints every log line, then the
 * answers as the last line.
 */
const RUNTIME = `
const { InvokeStore, InvokeStoreBase } = await import('@aws/lambda-invoke-store');
const { REQUEST_ID, X_RAY_TRACE_ID } = InvokeStoreBase.PROTECTED_KEYS;
const store = await InvokeStore.getInstanceAsync();
const { bundle, events, functionName } = JSON.parse(process.env.LMI_PLAN);
const { handler } = await import(bundle);
const answers = await Promise.all(events.map((event, index) => {
  const awsRequestId = 'lmi-request-' + index;
  const context = {
    callbackWaitsForEmptyEventLoop: true, functionName, functionVersion: '$LATEST', memoryLimitInMB: '512',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + functionName, awsRequestId,
    logGroupName: '/aws/lambda/' + functionName, logStreamName: 'lmi', getRemainingTimeInMillis: () => 60000,
  };
  const ids = { [REQUEST_ID]: awsRequestId,
    [X_RAY_TRACE_ID]: 'Root=1-6759e988-00000000000000000000000' + index + ';Sampled=0' };
  return store.run(ids, () => handler(event, context));
}));
process.stdout.write(JSON.stringify({ answers, store: store.constructor.name }) + '\\n');
`;

interface Run {
  answers: unknown[];
  store: string;
  /** Every JSON line the function wrote (logs and EMF). */
  lines: Array<Record<string, unknown>>;
}

const runConcurrently = (name: string, events: unknown[], functionName = `call-control-${name}`) =>
  new Promise<Run>((resolve, reject) => {
    const bundle = bundleOf(name);
    if (!existsSync(bundle)) {
      reject(new Error(`${bundle} is missing: run \`npm run build\` first`));
      return;
    }
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNTIME], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        TZ: 'UTC',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL: aws.url,
        AWS_LAMBDA_FUNCTION_NAME: functionName,
        AWS_LAMBDA_INITIALIZATION_TYPE: 'lambda-managed-instances',
        AWS_LAMBDA_MAX_CONCURRENCY: '8',
        POWERTOOLS_SERVICE_NAME: functionName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        SIGNALWIRE_SECRET_ID: SECRET_ID,
        SIGNALWIRE_LOCAL_SPACE_ORIGIN: emulator.url,
        EVENT_BUS_NAME: 'lmi-bus',
        EVENT_SOURCE: 'call-control',
        IDEMPOTENCY_TABLE_NAME: 'lmi-idempotency',
        ALLOWED_EVENT_SOURCES: 'lmi.operator',
        LMI_PLAN: JSON.stringify({ bundle: pathToFileURL(bundle).href, events, functionName }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const last = lines.pop() as { answers?: unknown[]; store?: string } | undefined;
      if (code !== 0 || !last?.answers || !last.store) {
        reject(new Error(`${name} exited with ${code}: ${stderr.slice(0, 2000)}${stdout.slice(-2000)}`));
        return;
      }
      resolve({ answers: last.answers, store: last.store, lines });
    });
  });

const apiEvent = (
  method: string,
  url: string,
  routeKey: string,
  pathParameters?: Record<string, string>,
): APIGatewayProxyEventV2 =>
  toApiGatewayEvent(
    {
      method,
      url,
      rawHeaders: ['Host', 'lmi.execute-api.us-east-1.amazonaws.com', 'Content-Length', '0'],
      body: Buffer.alloc(0),
      sourceIp: '203.0.113.7',
      localPort: 443,
    },
    {
      routeKey,
      ...(pathParameters ? { pathParameters } : {}),
      accountId: '123456789012',
      apiId: 'lmi',
      requestId: randomBytes(8).toString('hex'),
      authorizer: {
        iam: {
          accessKey: 'AKIALMIOPERATOR00000',
          accountId: '123456789012',
          callerId: 'AIDALMIOPERATOR00000',
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: 'arn:aws:iam::123456789012:user/lmi-operator',
          userId: 'AIDALMIOPERATOR00000',
        },
      },
    },
  );

/** The EMF lines (metrics) among what a function wrote. */
const emf = (run: Run) => run.lines.filter((line) => '_aws' in line);

describe('every function under concurrent invocations (AWS_LAMBDA_MAX_CONCURRENCY, Lambda Managed Instances)', () => {
  it('http-api starts and answers two overlapping invocations, each with its own audit line and metrics', async () => {
    // Prepare
    const sids = [0, 1].map(
      () => emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: 60 }).sid,
    );
    const events = sids.map((sid) =>
      apiEvent('POST', `/calls/${sid}/terminate`, 'POST /calls/{callSid}/terminate', { callSid: sid }),
    );

    // Act
    const run = await runConcurrently('http-api', events);

    // Assess: the runtime's concurrent store, both calls ended, each invocation's lines its own
    expect(run.store).toBe('InvokeStoreMulti');
    expect(run.answers.map((answer) => (answer as { statusCode: number }).statusCode)).toEqual([200, 200]);
    expect(sids.map((sid) => emulator.getCall(PROJECT_ID, sid)?.status)).toEqual(['completed', 'completed']);
    const audits = run.lines.filter((line) => line.message === 'call-control audit');
    expect(audits.map((line) => [line.function_request_id, line.callSid]).sort()).toEqual([
      ['lmi-request-0', sids[0]],
      ['lmi-request-1', sids[1]],
    ]);
    expect(emf(run).map((line) => line.CallsUpdated)).toEqual([1, 1]);
  });

  it('status-callback starts and answers (an unsigned callback refused and counted)', async () => {
    // Act
    const run = await runConcurrently('status-callback', [
      apiEvent('POST', '/webhooks/signalwire/status', 'POST /webhooks/signalwire/status'),
    ]);

    // Assess
    expect((run.answers[0] as { statusCode: number }).statusCode).toBe(403);
    expect(emf(run)).toHaveLength(1);
  });

  it('call-update-events starts and answers (an invalid request refused with "Call Update Failed")', async () => {
    // Prepare
    const event = {
      version: '0',
      id: 'lmi-event-1',
      'detail-type': CALL_UPDATE_REQUESTED,
      source: 'lmi.operator',
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { callSid: 'not a call sid' },
    };
    const failed = aws.waitForEvent((published) => published.envelope['detail-type'] === CALL_UPDATE_FAILED);

    // Act
    const run = await runConcurrently('call-update-events', [event]);

    // Assess
    expect(run.answers[0]).toMatchObject({ published: CALL_UPDATE_FAILED, code: 'INVALID_REQUEST' });
    expect((await failed).envelope.detail).toMatchObject({ final: true });
    expect(emf(run)).toHaveLength(1);
  });

  it('cleanup starts and answers (a run that ends the stale call)', async () => {
    // Prepare
    const stale = emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: 7_200 }).sid;

    // Act
    const run = await runConcurrently('cleanup', [
      { scheduleName: 'lmi', policy: { maxAgeSeconds: { inProgress: 3_600 } } },
    ]);

    // Assess
    expect(run.answers[0]).toMatchObject({ ended: 1 });
    expect(emulator.getCall(PROJECT_ID, stale)?.status).toBe('completed');
    expect(emf(run)).toHaveLength(1);
  });
});
