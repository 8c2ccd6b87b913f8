/**
 * The warm rows' required-work floor (bench/warm-required-work.ts) does what it stands for, over loopback: it ends
 * the call with one POST, writes one audit line with the Lambda context and one EMF line per invocation, answers
 * with the call SignalWire returned, and refuses a request its one validation refuses before anything is sent.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { terminateEvent } from '../../bench/harness.ts';
import { invokeCapturingStdout, lambdaContext } from '../support/lambda-context.ts';

const PROJECT = randomUUID();
const API_TOKEN = `PT${randomBytes(24).toString('hex')}`;

let emulator: SignalWireEmulator;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** How far each expiry below moves the floor's clock: past every cache it filled before. */
let skew = 0;

/** Runs `act` with the floor's credentials read again (its cache expired) from an environment naming `origin`. */
const against = async <T>(origin: string, act: () => Promise<T>): Promise<T> => {
  const now = Date.now;
  const clock = vi.spyOn(Date, 'now').mockImplementation(() => now() + skew);
  skew += 3_600_000;
  vi.stubEnv('BENCH_LAYER_ORIGIN', origin);
  try {
    return await act();
  } finally {
    // The next invocation finds the cache expired again and reads the emulator's origin back.
    vi.stubEnv('BENCH_LAYER_ORIGIN', emulator.url);
    skew += 3_600_000;
    await invoke(terminateEvent(randomUUID()));
    clock.mockRestore();
  }
};

const context = (): Context => lambdaContext('required-work');

/** Invokes the floor and returns its answer and the lines it wrote to stdout, parsed. */
const invoke = (event: APIGatewayProxyEventV2, invocation = context()) =>
  invokeCapturingStdout(handler, event, invocation);

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

  it("reads the credentials again once the cache expired, and gives up 1 s before the function's timeout", async () => {
    // Prepare: a SignalWire that never answers.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const sid = randomUUID();
    const invocation = { ...context(), getRemainingTimeInMillis: () => 1_300 };

    try {
      // Act
      const started = performance.now();
      const { answer, lines } = await against(origin, () => invoke(terminateEvent(sid), invocation));
      const took = performance.now() - started;

      // Assess
      expect(answer.statusCode).toBe(502);
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(2_000);
      expect(lines[0]).toMatchObject({ audit: { callSid: sid, outcome: 'failed' } });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reads an answer past a byte order mark, and ends nothing on an answer that is not a usable Call', async () => {
    // Prepare: a SignalWire whose answer is the test's.
    let body = '';
    const server: Server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sid = randomUUID();
    let deep: unknown = 'x';
    for (let level = 0; level < 16; level++) deep = { deep };
    const answers = [
      `\uFEFF${JSON.stringify({ sid, status: 'completed' })}`,
      'null',
      JSON.stringify({ sid: randomUUID(), status: 'completed' }),
      JSON.stringify({ sid, status: 'completed', deep }),
    ];

    try {
      // Act
      const got = [];
      for (const answer of answers) {
        body = answer;
        got.push(await against(origin, () => invoke(terminateEvent(sid))));
      }

      // Assess
      expect(got.map(({ answer }) => answer.statusCode)).toEqual([200, 502, 502, 502]);
      expect(got.map(({ lines }) => (lines[0]?.audit as { outcome?: string })?.outcome)).toEqual([
        'updated',
        'failed',
        'failed',
        'failed',
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
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
