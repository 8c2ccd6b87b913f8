import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectNodeStream, sdkClientDefaults } from '#commons/platform/aws-sdk';
import { idempotencyTable } from '#commons/update-requests/idempotency';

describe('collectNodeStream', () => {
  it('collects every chunk of a Node.js stream, in order, into one plain Uint8Array', async () => {
    const stream = Readable.from([Buffer.from('{"Name":'), 'é', new Uint8Array([0x22, 0x7d])]);

    const body = await collectNodeStream(stream);

    expect(body.constructor).toBe(Uint8Array);
    expect(Buffer.from(body).toString('utf8')).toBe('{"Name":é"}');
  });

  it('collects an empty stream into an empty array', async () => {
    expect(await collectNodeStream(Readable.from([]))).toEqual(new Uint8Array());
  });

  it("rejects with the stream's own error", async () => {
    const stream = new PassThrough();
    const collected = collectNodeStream(stream);

    stream.write('partial');
    stream.destroy(new Error('socket hang up'));

    await expect(collected).rejects.toThrow('socket hang up');
  });

  it('rejects what is not a Node.js stream, saying so', async () => {
    await expect(collectNodeStream(new Uint8Array([1]))).rejects.toThrow(
      new TypeError('the AWS SDK response body is not a Node.js stream'),
    );
  });
});

describe('an AWS SDK client built from sdkClientDefaults', () => {
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    // Answers in several chunks; a secret named "missing" gets Secrets Manager's error shape.
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      request.on('end', () => {
        const { SecretId } = JSON.parse(text) as { SecretId: string };
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (SecretId === 'missing') {
          response.statusCode = 400;
          response.end(
            JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find it" }),
          );
          return;
        }
        response.write('{"Name":"');
        response.write(SecretId);
        response.end('","SecretString":"read in three chunks"}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => server.close());

  const client = () =>
    new SecretsManagerClient({
      ...sdkClientDefaults(),
      endpoint,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });

  it('reads an answer sent in chunks', async () => {
    const answer = await client().send(new GetSecretValueCommand({ SecretId: 'bench/secret' }));

    expect(answer).toMatchObject({ Name: 'bench/secret', SecretString: 'read in three chunks' });
  });

  it("reads an error answer into the SDK's named exception", async () => {
    const error = await client()
      .send(new GetSecretValueCommand({ SecretId: 'missing' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find it",
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('the idempotency table (call-update requests and status-callback replays)', () => {
  // Powertools keeps its DynamoDB client in a TypeScript-private field; read here to pin what it was built from.
  const clientOf = (store: unknown) => (store as { client: DynamoDBClient }).client;

  it('builds its DynamoDB client from sdkClientDefaults, so answers are collected as Node streams', () => {
    expect(clientOf(idempotencyTable('call-control-idempotency')).config.streamCollector).toBe(
      collectNodeStream,
    );
  });

  it('uses the client it is given as it is', () => {
    const given = new DynamoDBClient({ region: 'us-east-1' });

    expect(clientOf(idempotencyTable('call-control-idempotency', given))).toBe(given);
  });
});
