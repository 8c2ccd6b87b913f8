/**
 * The warm rows' design floor (bench/warm-design-floor.ts) does what it stands for, over loopback: it ends the
 * call with one POST, reads the secret once and keeps it, writes one line with the Lambda context and one EMF
 * line per invocation, and refuses a request its check refuses before anything is read or sent.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalAws } from '#local/aws-emulator';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { terminateEvent } from '../../bench/harness.ts';
import { invokeCapturingStdout, lambdaContext } from '../support/lambda-context.ts';

const PROJECT = randomUUID();
const API_TOKEN = `PT${randomBytes(24).toString('hex')}`;

let aws: LocalAws;
let emulator: SignalWireEmulator;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const context = (): Context => lambdaContext('design-floor');

/** Invokes the floor and returns its answer and the lines it wrote to stdout, parsed. */
const invoke = (event: APIGatewayProxyEventV2, invocation = context()) =>
  invokeCapturingStdout(handler, event, invocation);

beforeAll(async () => {
  emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: API_TOKEN }] });
  aws = await LocalAws.start();
  aws.putSecret(
    'floor/secret',
    JSON.stringify({ projectId: PROJECT, apiToken: API_TOKEN, spaceUrl: emulator.url }),
  );
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', aws.url);
  vi.stubEnv('SIGNALWIRE_SECRET_ID', 'floor/secret');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'design-floor');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Bench');
  ({ handler } = (await import('../../bench/warm-design-floor.ts')) as unknown as {
    handler: typeof handler;
  });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([emulator.stop(), aws.stop()]);
});

describe("the warm rows' design floor", () => {
  it('ends the call with one POST, the secret read once, one line with the Lambda context and one EMF line each time', async () => {
    // Prepare
    const sids = [0, 1].map(() => emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 60 }).sid);

    // Act
    const first = await invoke(terminateEvent(sids[0] as string));
    const second = await invoke(terminateEvent(sids[1] as string));

    // Assess
    for (const [index, { answer, lines, invocation }] of [first, second].entries()) {
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body ?? '')).toEqual({ callSid: sids[index], status: 'completed' });
      expect(emulator.getCall(PROJECT, sids[index] as string)?.status).toBe('completed');
      const [audit, emf] = lines;
      expect(lines).toHaveLength(2);
      expect(audit).toMatchObject({
        message: 'audit',
        function_request_id: invocation.awsRequestId,
        audit: { action: 'terminate', callSid: sids[index], outcome: 'updated' },
      });
      expect(emf).toMatchObject({ CallsEnded: 1, _aws: { CloudWatchMetrics: [{ Namespace: 'Bench' }] } });
    }
    expect(aws.secretReads.map((read) => read.secretId)).toEqual(['floor/secret']);
  });

  it('refuses a path that holds no call SID before reading or sending anything', async () => {
    // Prepare
    const sent = emulator.requests.length;
    const reads = aws.secretReads.length;
    const event = terminateEvent('not-a-sid');

    // Act
    const { answer } = await invoke(event);

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(emulator.requests).toHaveLength(sent);
    expect(aws.secretReads).toHaveLength(reads);
  });
});
