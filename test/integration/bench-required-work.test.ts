/**
 * The warm rows' required-work floor (bench/warm-required-work.ts) does what it stands for, over loopback: it ends
 * the call with one POST, writes one audit line with the Lambda context and one EMF line per invocation, answers
 * with the call SignalWire returned, and refuses a request its one validation refuses before anything is sent.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { terminateEvent } from '../../bench/harness.ts';

const PROJECT = randomUUID();
const API_TOKEN = `PT${randomBytes(24).toString('hex')}`;

let emulator: SignalWireEmulator;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const context = (): Context =>
  ({
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'required-work',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:required-work',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/required-work',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
  }) as Context;

/** Invokes the floor and returns its answer and the lines it wrote to stdout, parsed. */
const invoke = async (event: APIGatewayProxyEventV2, invocation = context()) => {
  const lines: Array<Record<string, unknown>> = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
  try {
    return { answer: await handler(event, invocation), lines, invocation };
  } finally {
    write.mockRestore();
  }
};

beforeAll(async () => {
  emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: API_TOKEN }] });
  vi.stubEnv('BENCH_LAYER_ORIGIN', emulator.url);
  vi.stubEnv('BENCH_LAYER_PROJECT', PROJECT);
  vi.stubEnv(
    'BENCH_LAYER_AUTHORIZATION',
    `Basic ${Buffer.from(`${PROJECT}:${API_TOKEN}`).toString('base64')}`,
  );
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'required-work');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Bench');
  ({ handler } = (await import('../../bench/warm-required-work.ts')) as unknown as {
    handler: typeof handler;
  });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await emulator.stop();
});

describe("the warm rows' required-work floor", () => {
  it('ends the call with one POST, one audit line with the Lambda context and one EMF line each time', async () => {
    // Prepare
    const sids = [0, 1].map(() => emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 60 }).sid);
    const sent = emulator.requests.length;

    // Act
    const first = await invoke(terminateEvent(sids[0] as string));
    const second = await invoke(terminateEvent(sids[1] as string));

    // Assess
    expect(emulator.requests).toHaveLength(sent + 2);
    for (const [index, { answer, lines, invocation }] of [first, second].entries()) {
      const sid = sids[index] as string;
      expect(answer.statusCode).toBe(200);
      expect(answer.headers).toMatchObject({ 'x-call-outcome': 'updated', 'x-call-api': 'compatibility' });
      expect(JSON.parse(answer.body ?? '')).toMatchObject({ sid, status: 'completed' });
      expect(emulator.getCall(PROJECT, sid)?.status).toBe('completed');
      expect(lines).toHaveLength(2);
      const [audit, emf] = lines;
      expect(audit).toMatchObject({
        message: 'call-control audit',
        service: 'required-work',
        cold_start: index === 0,
        function_request_id: invocation.awsRequestId,
        callSid: sid,
        audit: {
          trigger: 'http',
          actor: { name: 'arn:aws:iam::123456789012:user/bench-operator' },
          accountSid: PROJECT,
          callSid: sid,
          change: { Status: 'completed' },
          outcome: 'updated',
          resultingStatus: 'completed',
        },
      });
      expect(emf).toMatchObject({
        CallsUpdated: 1,
        service: 'required-work',
        _aws: { CloudWatchMetrics: [{ Namespace: 'Bench', Metrics: [{ Name: 'CallsUpdated' }] }] },
      });
    }
  });

  it('parses a JSON body and refuses one that is not JSON or names another field, sending nothing', async () => {
    // Prepare
    const sid = emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 60 }).sid;
    const withBody = (body: string) => ({ ...terminateEvent(sid), body });
    const sent = emulator.requests.length;

    // Act
    const notJson = await invoke(withBody('{"api":'));
    const other = await invoke(withBody('{"Url":"https://example.com"}'));
    const named = await invoke(withBody('{"api":"compatibility"}'));

    // Assess
    expect([notJson.answer.statusCode, other.answer.statusCode]).toEqual([400, 400]);
    expect([notJson.lines, other.lines]).toEqual([[], []]);
    expect(named.answer.statusCode).toBe(200);
    expect(emulator.requests).toHaveLength(sent + 1);
  });

  it('refuses a path that holds no call SID before sending anything', async () => {
    // Prepare
    const sent = emulator.requests.length;

    // Act
    const { answer, lines } = await invoke(terminateEvent('not-a-sid'));

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(lines).toEqual([]);
    expect(emulator.requests).toHaveLength(sent);
  });
});
