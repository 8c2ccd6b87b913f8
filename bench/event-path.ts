import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CALL_STATUS_CHANGED, CALL_UPDATE_REQUESTED, CALL_UPDATED } from '#commons/events/contracts';
import { STATUS_CALLBACK_ROUTE } from '#commons/http/routes';
import { ENV, TRIGGER_ALIASES } from '#commons/platform/settings';
import { computeSignature } from '#commons/status-callbacks/signature';
import { toApiGatewayEvent } from '#local/api-gateway';
import { LocalAws } from '#local/aws-emulator';
import { createIdempotencyTable, startLocalDynamoDb } from '#local/dynamodb';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { coldRun, functionEnv, ipcRun, median, percentile } from './harness.ts';
import {
  type BenchContext,
  count,
  FUNCTION_MEMORY_MB,
  type Measurement,
  REPEATS,
  scaled,
} from './measurement.ts';
import { ms, type ResultRow } from './report.ts';
import { PROJECT_ID } from './world.ts';

/**
 * Item 3 for the event path, both event functions as deployed, each in its own processes: call-update-events
 * as its EventBridge rule invokes it (a "Call Update Requested" terminate ends its call and publishes "Call
 * Updated"), and status-callback as API Gateway invokes it for SignalWire's signed webhook (verified, published
 * as "Call Status Changed"); both remember each request in the idempotency table (dynalite here). Per function:
 * its cold start, and the warm p50 and throughput of one container taking requests one after another.
 */

const WARM_REQUESTS = 200;
const WARM_UP = 30;
const COLD_SAMPLES = 3;
const SOURCE = 'com.example.crm';
const BUS = 'bench-bus';
const TABLE = 'bench-idempotency';
const PUBLIC_BASE_URL = 'https://calls.example.com';
/** Stale calls a cold cleanup run finds and ends. */
const STALE_PER_RUN = 10;

const updateRequested = (callSid: string) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': CALL_UPDATE_REQUESTED,
  source: SOURCE,
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: { callSid, action: 'terminate', correlationId: `bench-${callSid.slice(0, 8)}` },
});

/** SignalWire's POST of a call's status, signed with the project's Signing Key over the public URL. */
const statusCallback = (signingKey: string, callSid: string) => {
  const params: Array<[string, string]> = [
    ['AccountSid', PROJECT_ID],
    ['CallSid', callSid],
    ['CallStatus', 'completed'],
    ['CallDuration', '42'],
    ['Direction', 'outbound-api'],
    ['Timestamp', new Date().toUTCString()],
  ];
  const body = Buffer.from(new URLSearchParams(params).toString());
  const signature = computeSignature(signingKey, `${PUBLIC_BASE_URL}${STATUS_CALLBACK_ROUTE.path}`, params);
  return toApiGatewayEvent(
    {
      method: 'POST',
      url: STATUS_CALLBACK_ROUTE.path,
      rawHeaders: [
        'Host',
        'abcdef1234.execute-api.us-east-1.amazonaws.com',
        'Content-Type',
        'application/x-www-form-urlencoded',
        'Content-Length',
        String(body.length),
        'X-SignalWire-Signature',
        signature,
      ],
      body,
      sourceIp: '203.0.113.20',
      localPort: 443,
    },
    {
      routeKey: `POST ${STATUS_CALLBACK_ROUTE.path}`,
      accountId: '123456789012',
      apiId: 'abcdef1234',
      requestId: randomBytes(11).toString('base64'),
    },
  );
};

/** One function's set-up: its bundle, environment, n-th request, and the check that its requests took effect. */
interface FunctionSpec {
  name: string;
  bundle: string;
  env: NodeJS.ProcessEnv;
  alias: string;
  request(): unknown;
  /** Counts what the function's requests produced so far (published events, ended calls). */
  produced(): number;
  /** A warm container too (not for a schedule, which runs once a few minutes). @default true */
  warm?: boolean;
}

interface FunctionFigures {
  cold: number[];
  warm: Array<{ p50: number; perSecond: number; n: number }>;
}

/** One round of a function: its cold samples, then (unless `warm: false`) one warm container. */
const measureRound = async (
  context: BenchContext,
  spec: FunctionSpec,
  figures: FunctionFigures,
  round: number,
): Promise<void> => {
  const warmRequests = scaled(WARM_REQUESTS, 20);
  const warmUp = scaled(WARM_UP, 5);
  context.log(`event-path: ${spec.name}, round ${round} of ${REPEATS}`);
  for (let sample = 0; sample < COLD_SAMPLES; sample++) {
    const before = spec.produced();
    const run = await coldRun(
      [join(context.root, 'bench', 'cold-start-driver.mjs'), spec.bundle],
      { ...spec.env, BENCH_EVENT: JSON.stringify(spec.request()) },
      true,
    );
    if (spec.produced() !== before + 1)
      throw new Error(`event-path ${spec.name}: the cold request did nothing`);
    figures.cold.push(run.spawnToAnswerMs);
  }
  if (spec.warm === false) return;
  const requests = Array.from({ length: warmRequests + warmUp }, () => spec.request());
  const before = spec.produced();
  const answer = await ipcRun<{ durationsMs: number[] }>(
    join(context.root, 'bench', 'invoke-driver.mjs'),
    spec.env,
    {
      bundle: spec.bundle,
      events: requests,
      timeoutMs: 30_000,
      alias: spec.alias,
    },
  );
  if (spec.produced() !== before + requests.length) {
    throw new Error(
      `event-path ${spec.name}: ${spec.produced() - before} of ${requests.length} requests took effect`,
    );
  }
  const counted = answer.durationsMs.slice(warmUp);
  const total = counted.reduce((sum, each) => sum + each, 0);
  figures.warm.push({
    p50: percentile(counted, 50),
    perSecond: (counted.length / total) * 1000,
    n: counted.length,
  });
};

/** Every function's cold samples and warm container, round by round: the functions alternate. */
const measureAll = async (context: BenchContext, specs: FunctionSpec[]): Promise<FunctionFigures[]> => {
  const figures = specs.map((): FunctionFigures => ({ cold: [], warm: [] }));
  for (let round = 1; round <= REPEATS; round++) {
    for (const [index, spec] of specs.entries()) {
      await measureRound(context, spec, figures[index] as FunctionFigures, round);
    }
  }
  return figures;
};

const range = (values: number[], format: (value: number) => string) =>
  `min–max ${format(Math.min(...values))}–${format(Math.max(...values))} over ${values.length}`;

const functionRows = (name: string, id: string, what: string, figures: FunctionFigures): ResultRow[] => {
  const p50s = figures.warm.map((w) => w.p50);
  const rates = figures.warm.map((w) => w.perSecond);
  const cold: ResultRow = {
    item: 2,
    id: `${id}-cold`,
    metric: `Cold start, ${name}: spawn to the first request handled (${what}), as deployed`,
    project: ms(median(figures.cold)),
    reference: '—',
    ratio: range(figures.cold, ms),
    target: '— (context)',
    met: 'n/a',
    values: { project: median(figures.cold), unit: 'ms' },
  };
  if (figures.warm.length === 0) return [cold];
  return [
    cold,
    {
      item: 3,
      id: `${id}-warm`,
      metric:
        `Warm p50 and throughput of one container, ${name}: requests one after another ` +
        `(n=${count(figures.warm[0]?.n ?? 0)} per container)`,
      project: `${ms(median(p50s))}, ${median(rates).toFixed(0)} requests/s`,
      reference: '—',
      ratio: `${range(p50s, ms)}; ${range(rates, (value) => value.toFixed(0))} requests/s`,
      target: '— (context)',
      met: 'n/a',
      values: { project: median(p50s), reference: median(rates), unit: 'ms' },
    },
  ];
};

export const eventPath: Measurement = {
  name: 'event-path',
  async run(context) {
    await context.bundles();
    const apiToken = `PT${randomBytes(24).toString('hex')}`;
    const signingKey = `PSK_${randomBytes(24).toString('hex')}`;
    const emulator = await SignalWireEmulator.start({
      projects: [{ projectId: PROJECT_ID, apiToken }],
      maxRecordedRequests: 1000,
    });
    const aws = await LocalAws.start();
    const dynamodb = await startLocalDynamoDb();
    try {
      const secret = { projectId: PROJECT_ID, apiToken, spaceUrl: emulator.url, signingKey };
      aws.putSecret('bench/events', JSON.stringify(secret));
      await createIdempotencyTable(
        new DynamoDBClient({
          endpoint: dynamodb.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        }),
        TABLE,
      );
      const env = (functionName: string) =>
        functionEnv({
          awsEndpoint: aws.url,
          memoryMb: FUNCTION_MEMORY_MB,
          secretId: 'bench/events',
          localSpaceOrigin: emulator.url,
          functionName,
          extra: {
            AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
            AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
            [ENV.eventBusName]: BUS,
            [ENV.idempotencyTableName]: TABLE,
            [ENV.allowedEventSources]: SOURCE,
            [ENV.publicBaseUrl]: PUBLIC_BASE_URL,
          },
        });
      const seed = () => emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: 60 }).sid;
      const published = (detailType: string) => () =>
        aws.putEvents.filter((e) => e.envelope['detail-type'] === detailType).length;
      const eventsSpec: FunctionSpec = {
        name: 'call-update-events',
        bundle: join(context.out, 'call-update-events', 'index.mjs'),
        env: env('call-control-call-update-events'),
        alias: TRIGGER_ALIASES.event,
        request: () => updateRequested(seed()),
        produced: published(CALL_UPDATED),
      };
      const callbacksSpec: FunctionSpec = {
        name: 'status-callback',
        bundle: join(context.out, 'status-callback', 'index.mjs'),
        env: env('call-control-status-callback'),
        alias: TRIGGER_ALIASES.http,
        request: () => statusCallback(signingKey, randomUUID()),
        produced: published(CALL_STATUS_CHANGED),
      };
      // The schedule's first run after a cold start: a few stale calls, each of them ended.
      const staleCalls: string[] = [];
      const cleanupSpec: FunctionSpec = {
        name: 'cleanup',
        bundle: join(context.out, 'cleanup', 'index.mjs'),
        env: env('call-control-cleanup'),
        alias: TRIGGER_ALIASES.schedule,
        request: () => {
          for (let i = 0; i < STALE_PER_RUN; i++) {
            staleCalls.push(emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: 7200 }).sid);
          }
          return { scheduleName: 'bench-cleanup', policy: { maxAgeSeconds: { inProgress: 3600 } } };
        },
        produced: () =>
          Math.floor(
            staleCalls.filter((sid) => emulator.getCall(PROJECT_ID, sid)?.status === 'completed').length /
              STALE_PER_RUN,
          ),
        warm: false,
      };
      const [cleanup, events, callbacks] = (await measureAll(context, [
        cleanupSpec,
        eventsSpec,
        callbacksSpec,
      ])) as [FunctionFigures, FunctionFigures, FunctionFigures];
      const rows = [
        ...functionRows('cleanup', 'cleanup', `a scheduled run ending ${STALE_PER_RUN} stale calls`, cleanup),
        ...functionRows(
          'call-update-events',
          'event',
          'secret read, the call ended, "Call Updated" published, idempotency record written',
          events,
        ),
        ...functionRows(
          'status-callback',
          'status-callback',
          'secret read, signature verified, "Call Status Changed" published, replay record written',
          callbacks,
        ),
      ];
      const notes = [
        'Event path: bench/event-path.ts. call-update-events is invoked as its rule does (the `event-rule` ' +
          'alias in the invoked ARN; bench/invoke-driver.mjs) with one "Call Update Requested" (terminate) per ' +
          'invocation: an idempotency record written before and after the change, one SignalWire round trip, ' +
          '"Call Updated" published. status-callback gets SignalWire\'s signed POST (a new call per request, so ' +
          'none is a replay): the signature checked with the Signing Key from the secret, a replay record ' +
          'written, "Call Status Changed" published. The local AWS endpoints run in the bench process, dynalite ' +
          `(DynamoDB's stand-in) slower than DynamoDB. Per function and round, ${COLD_SAMPLES} cold samples ` +
          '(bench/cold-start-driver.mjs: one fresh `node` each, the environment infra/call-control-function.ts ' +
          `sets: no \`--enable-source-maps\`, the bundle maps its own stack traces) and one warm container; ${REPEATS} rounds, min–max shown. ` +
          `The cleanup's cold start is its schedule's first run, ending ${STALE_PER_RUN} stale calls (the http-api's ` +
          'is in the cold-start rows). Throughput is requests per second of one container, requests one after another as Lambda gives them ' +
          'to a container; more arrive in parallel on more containers.',
      ];
      return { rows, notes, details: { events, callbacks } };
    } finally {
      await Promise.all([emulator.stop(), aws.stop(), dynamodb.stop()]);
    }
  },
};
