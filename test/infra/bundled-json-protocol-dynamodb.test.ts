import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/dynamodb.ts';
import { bundleWithAndWithoutStandIn } from './protocol-bundles.ts';
import { projectScratchDirectory } from './support.ts';

/**
 * Powertools Idempotency's DynamoDB writes (the idempotency table of the event and status-callback functions),
 * bundled as the functions are, in their own Node.js process, once with the project's JSON protocol
 * (functions/commons/platform/aws-json-protocol.ts) and once with the SDK's. Powertools sends a conditional `PutItem`
 * with `ReturnValuesOnConditionCheckFailure` and, on `ConditionalCheckFailedException`, reads the record already there
 * from the error's `Item`: both must give Powertools the same record, retry throttling alike, and send the same bytes.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const scratch = projectScratchDirectory();
const entry = join(scratch, 'save-in-progress.ts');
const run = promisify(execFile);
const ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

let dynamo: LocalDynamoDb;
let scripted: Server;
let script: Answer[] = [];
let received: { target: string | string[] | undefined; body: string }[] = [];

beforeAll(async () => {
  const commons = join(ROOT, 'functions', 'commons');
  writeFileSync(
    entry,
    [
      "import { DynamoDBClient, CreateTableCommand } from '@aws-sdk/client-dynamodb';",
      "import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';",
      `import { sdkClientDefaults } from ${JSON.stringify(join(commons, 'platform', 'aws-sdk.ts'))};`,
      `import { idempotencyTable } from ${JSON.stringify(join(commons, 'update-requests', 'idempotency.ts'))};`,
      'const client = new DynamoDBClient(sdkClientDefaults());',
      "if (process.env.CREATE_TABLE) await client.send(new CreateTableCommand({ TableName: 'idempotency',",
      "  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id',",
      "  AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));",
      "const store = idempotencyTable('idempotency', client);",
      "store.configure({ config: new IdempotencyConfig({ eventKeyJmesPath: 'key' }), keyPrefix: 'probe' });",
      "const plain = (value) => JSON.parse(JSON.stringify(value ?? null, (key, v) => key === 'totalRetryDelay'",
      "  ? undefined : v instanceof Uint8Array ? { bytes: Buffer.from(v).toString('base64') } : v));",
      'const result = await store.saveInProgress({ key: process.env.KEY }, 60_000).then(',
      "  () => ({ saved: 'in progress' }),",
      '  (error) => ({ error: { name: error.name, record: plain(error.existingRecord),',
      '    cause: error.cause && { name: error.cause.name, metadata: plain(error.cause.$metadata) } } }),',
      ');',
      'process.stdout.write(JSON.stringify(result));',
      '',
    ].join('\n'),
  );
  await bundleWithAndWithoutStandIn(entry, scratch);
  dynamo = await startLocalDynamoDb();
  scripted = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        target: request.headers['x-amz-target'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = script.shift() ?? { status: 500, body: '' };
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', ...answer.headers });
      response.end(answer.body);
    });
  });
  scripted.listen(0, '127.0.0.1');
  await once(scripted, 'listening');
});

afterAll(async () => {
  scripted.close();
  await dynamo.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs one bundle's `saveInProgress` of `key` against `endpoint` with Lambda's environment. */
const save = async (bundle: 'stand-in' | 'sdk', endpoint: string, key: string, createTable = false) => {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: scratch,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIAFROMTHEENVIRONMENT',
    AWS_SECRET_ACCESS_KEY: 'secret-from-the-environment',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    KEY: key,
    ...(createTable ? { CREATE_TABLE: '1' } : {}),
  };
  const { stdout } = await run(process.execPath, [join(scratch, bundle, 'index.mjs')], {
    encoding: 'utf8',
    env,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
};

/** Both bundles through the scripted DynamoDB answering `answers` in turn; what each gave and sent. */
const bothThrough = async (answers: Answer[]) => {
  const endpoint = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`;
  const results = [];
  for (const bundle of ['sdk', 'stand-in'] as const) {
    script = [...answers];
    received = [];
    const result = await save(bundle, endpoint, 'CA1');
    // Powertools writes the current time into the request: compare the requests without it.
    const requests = received.map(({ target, body }) => ({
      target,
      body: body.replace(/"N":"\d+(\.\d+)?"/g, '"N":"<now>"'),
    }));
    results.push({ result, requests });
  }
  return results as [(typeof results)[number], (typeof results)[number]];
};

const conditionalCheckFailed = (item?: object): Answer => ({
  status: 400,
  body: JSON.stringify({
    __type: `${ERROR_NAMESPACE}#ConditionalCheckFailedException`,
    message: 'The conditional request failed',
    ...(item ? { Item: item } : {}),
  }),
});

describe("Powertools Idempotency's record writes, bundled with the project's JSON protocol and with the SDK's", () => {
  it('give Powertools the record already there from the conditional-check failure, as the SDK does', async () => {
    const item = {
      id: { S: 'probe#5a1d' },
      status: { S: 'COMPLETED' },
      expiration: { N: '1765000000' },
      in_progress_expiration: { N: '1765000000123' },
      data: { S: '{"replayed":false,"eventId":"e-1"}' },
      validation: { S: 'hash' },
      binary: { B: 'AAEC/w==' },
    };

    const [sdk, ours] = await bothThrough([conditionalCheckFailed(item)]);

    expect(ours).toEqual(sdk);
    expect(ours.result).toMatchObject({
      error: {
        name: 'IdempotencyItemAlreadyExistsError',
        record: {
          idempotencyKey: 'probe#5a1d',
          status: 'COMPLETED',
          expiryTimestamp: 1_765_000_000,
          responseData: '{"replayed":false,"eventId":"e-1"}',
        },
      },
    });
    expect(ours.requests).toHaveLength(1);
    expect(ours.requests[0]?.body).toContain('"ReturnValuesOnConditionCheckFailure":"ALL_OLD"');
  });

  it.each<[string, Answer[]]>([
    ['a conditional-check failure without the item', [conditionalCheckFailed()]],
    [
      'throughput exceeded, then throttling, then the write',
      [
        {
          status: 400,
          body: JSON.stringify({ __type: `${ERROR_NAMESPACE}#ProvisionedThroughputExceededException` }),
        },
        {
          status: 400,
          body: JSON.stringify({ __type: `${ERROR_NAMESPACE}#ThrottlingException`, message: 'slow' }),
        },
        { status: 200, body: '{}' },
      ],
    ],
    [
      'a 503 page that is not JSON, then the conditional-check failure',
      [
        { status: 503, headers: { 'content-type': 'text/html' }, body: '<html>Service Unavailable</html>' },
        conditionalCheckFailed({ id: { S: 'probe#5a1d' }, status: { S: 'INPROGRESS' } }),
      ],
    ],
    [
      'a validation error',
      [
        {
          status: 400,
          body: JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: 'no' }),
        },
      ],
    ],
  ])('send the same requests and give Powertools the same outcome for %s', async (_case, answers) => {
    const [sdk, ours] = await bothThrough(answers);

    expect(ours).toEqual(sdk);
    expect(ours.requests.length).toBe(answers.length);
  });

  it('write and then refuse the same record in the local DynamoDB alike', async () => {
    const results = [];
    for (const bundle of ['sdk', 'stand-in'] as const) {
      const key = `CA-${bundle}`;
      const first = await save(bundle, dynamo.url, key, bundle === 'sdk');
      const second = await save(bundle, dynamo.url, key);
      results.push([first, second]);
    }

    expect(results[1]).toEqual(results[0]);
    expect(results[1]).toEqual([
      { saved: 'in progress' },
      { error: expect.objectContaining({ name: 'IdempotencyItemAlreadyExistsError' }) },
    ]);
  });
});
