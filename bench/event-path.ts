import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CALL_UPDATE_REQUESTED, CALL_UPDATED } from '#commons/events/contracts';
import { ENV, TRIGGER_ALIASES } from '#commons/platform/settings';
import { LocalAws } from '#local/aws-emulator';
import { createIdempotencyTable, startLocalDynamoDb } from '#local/dynamodb';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { coldRun, functionEnv, ipcRun, median, percentile } from './harness.ts';
import { count, FUNCTION_MEMORY_MB, type Measurement, REPEATS, scaled } from './measurement.ts';
import { ms, type ResultRow } from './report.ts';
import { PROJECT_ID } from './world.ts';

/**
 * Item 3 for the event path: the call-update-events function as an EventBridge rule invokes it, one
 * "Call Update Requested" (terminate) after another in one warm container, each ending its call and publishing
 * "Call Updated" to the local PutEvents endpoint, with its idempotency record in dynalite; and its cold start.
 */

const WARM_EVENTS = 200;
const WARM_UP = 30;
const COLD_SAMPLES = 3;
const SOURCE = 'com.example.crm';
const BUS = 'bench-bus';
const TABLE = 'bench-idempotency';

const requestEvent = (callSid: string) => ({
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

interface InvokeAnswer {
  durationsMs: number[];
  wallMs: number;
}

export const eventPath: Measurement = {
  name: 'event-path',
  async run(context) {
    await context.bundles();
    const apiToken = `PT${randomBytes(24).toString('hex')}`;
    const emulator = await SignalWireEmulator.start({
      projects: [{ projectId: PROJECT_ID, apiToken }],
      maxRecordedRequests: 1000,
    });
    const aws = await LocalAws.start();
    const dynamodb = await startLocalDynamoDb();
    try {
      aws.putSecret(
        'bench/events',
        JSON.stringify({ projectId: PROJECT_ID, apiToken, spaceUrl: emulator.url }),
      );
      await createIdempotencyTable(
        new DynamoDBClient({
          endpoint: dynamodb.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        }),
        TABLE,
      );
      const env = functionEnv({
        awsEndpoint: aws.url,
        memoryMb: FUNCTION_MEMORY_MB,
        secretId: 'bench/events',
        localSpaceOrigin: emulator.url,
        functionName: 'call-control-call-update-events',
        extra: {
          AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
          AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
          [ENV.eventBusName]: BUS,
          [ENV.idempotencyTableName]: TABLE,
          [ENV.allowedEventSources]: SOURCE,
        },
      });
      const bundle = join(context.out, 'call-update-events', 'index.mjs');
      const seed = () => emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: 60 }).sid;
      const published = () => aws.putEvents.filter((e) => e.envelope['detail-type'] === CALL_UPDATED).length;

      const cold: number[] = [];
      const warm: Array<{ p50: number; perSecond: number; n: number }> = [];
      const warmEvents = scaled(WARM_EVENTS, 20);
      const warmUp = scaled(WARM_UP, 5);
      // Cold samples and warm containers alternate, so a disturbed stretch of this shared machine touches both.
      for (let round = 1; round <= REPEATS; round++) {
        context.log(`event-path: round ${round} of ${REPEATS}`);
        for (let sample = 0; sample < COLD_SAMPLES; sample++) {
          const before = published();
          const run = await coldRun(
            [join(context.root, 'bench', 'cold-start-driver.mjs'), bundle],
            { ...env, BENCH_EVENT: JSON.stringify(requestEvent(seed())) },
            true,
          );
          if (published() !== before + 1) throw new Error('event-path cold: no "Call Updated" was published');
          cold.push(run.spawnToAnswerMs);
        }
        const sids = Array.from({ length: warmEvents + warmUp }, seed);
        const before = published();
        const answer = await ipcRun<InvokeAnswer>(join(context.root, 'bench', 'invoke-driver.mjs'), env, {
          bundle,
          events: sids.map(requestEvent),
          timeoutMs: 30_000,
          alias: TRIGGER_ALIASES.event,
        });
        const live = sids.filter((sid) => emulator.getCall(PROJECT_ID, sid)?.status !== 'completed').length;
        if (live > 0 || published() !== before + sids.length) {
          throw new Error(
            `event-path warm: ${live} calls left live, ${published() - before} results published`,
          );
        }
        const counted = answer.durationsMs.slice(warmUp);
        const total = counted.reduce((sum, each) => sum + each, 0);
        warm.push({
          p50: percentile(counted, 50),
          perSecond: (counted.length / total) * 1000,
          n: counted.length,
        });
      }

      const p50s = warm.map((w) => w.p50);
      const rates = warm.map((w) => w.perSecond);
      const range = (values: number[], format: (value: number) => string) =>
        `min–max ${format(Math.min(...values))}–${format(Math.max(...values))} over ${values.length}`;
      const rows: ResultRow[] = [
        {
          item: 3,
          id: 'event-cold',
          metric:
            'Cold start, call-update-events: spawn to the first event handled (secret read, the call ended, ' +
            '"Call Updated" published, idempotency record written), as deployed (`--enable-source-maps`)',
          project: ms(median(cold)),
          reference: '—',
          ratio: range(cold, ms),
          target: '— (context)',
          met: 'n/a',
          values: { project: median(cold), unit: 'ms' },
        },
        {
          item: 3,
          id: 'event-warm',
          metric: `Warm p50, call-update-events: one "Call Update Requested" (terminate) per invocation, n=${count(
            warm[0]?.n ?? 0,
          )} per container; throughput of one container, events handled one after another`,
          project: `${ms(median(p50s))}, ${median(rates).toFixed(0)} events/s`,
          reference: '—',
          ratio: `${range(p50s, ms)}; ${range(rates, (value) => value.toFixed(0))}`,
          target: '— (context)',
          met: 'n/a',
          values: { project: median(p50s), reference: median(rates), unit: 'ms' },
        },
      ];
      const notes = [
        'Event path: bench/event-path.ts. The call-update-events bundle, invoked as its rule does (the ' +
          '`event-rule` alias in the invoked ARN; bench/invoke-driver.mjs), ends one call per event and ' +
          'publishes "Call Updated" to the local PutEvents endpoint; each event is a new request, so each writes ' +
          'its idempotency record to dynalite (a DynamoDB stand-in in this process, slower than DynamoDB) before ' +
          'and after the change: three local AWS round trips and one SignalWire round trip per event. ' +
          `${COLD_SAMPLES} cold samples (bench/cold-start-driver.mjs, one fresh \`node\` each, with the ` +
          `environment infra/call-control-function.ts sets) and one warm container per round, ${REPEATS} rounds.`,
      ];
      return { rows, notes, details: { cold, warm } };
    } finally {
      await Promise.all([emulator.stop(), aws.stop(), dynamodb.stop()]);
    }
  },
};
