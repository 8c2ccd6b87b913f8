import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { IDEMPOTENCY_TABLE_KEY } from '#commons/update-requests/idempotency';

/** dynalite ships no types: it is a function returning a node HTTP server. */
type Dynalite = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

const require = createRequire(import.meta.url);

/** A running dynalite: the DynamoDB API over HTTP, in memory. */
export interface LocalDynamoDb {
  /** Endpoint for the SDK's `endpoint` option or `AWS_ENDPOINT_URL_DYNAMODB`. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts dynalite (a DynamoDB API implementation on LevelDB) in memory on 127.0.0.1, on an ephemeral port
 * unless one is given, with tables active as soon as they are created.
 */
export const startLocalDynamoDb = async (options: { port?: number } = {}): Promise<LocalDynamoDb> => {
  const dynalite = require('dynalite') as Dynalite;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

/**
 * Creates the Powertools Idempotency table as the CDK stack does (string partition key `id`, on demand) with
 * the real DynamoDB client, and waits until it is active. An existing table is left as it is. dynalite does
 * not expire items by TTL; Powertools checks the `expiration` attribute itself, so that does not matter.
 */
export const createIdempotencyTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // The SDK's waiter polls once a second at best; dynalite activates a table within milliseconds.
  for (let attempt = 0; attempt < 500; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await sleep(10);
  }
  throw new Error(`table ${tableName} did not become active`);
};
