import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventBridgePublisher, EventPublishError } from '#commons/events/publisher';
import {
  collectNodeStream,
  SDK_CONNECTION_TIMEOUT_MS,
  SDK_REQUEST_TIMEOUT_MS,
  SDK_SOCKET_TIMEOUT_MS,
  sdkClientDefaults,
} from '#commons/platform/aws-sdk';
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

describe('every AWS SDK client of the functions, against an endpoint that never answers', () => {
  let server: Server;
  let endpoint: string;
  const held: Array<{ destroy(): void }> = [];

  beforeAll(async () => {
    // Reads the request and then says nothing: a stalled AWS service.
    server = createServer((request) => {
      held.push(request.socket);
      request.resume();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    for (const socket of held) socket.destroy();
    server.close();
  });

  const local = { region: 'us-east-1', maxAttempts: 1 } as const;
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

  const timed = async (send: () => Promise<unknown>) => {
    const started = Date.now();
    const error = await send().catch((e: unknown) => e);
    return { error, elapsedMs: Date.now() - started };
  };

  it('stalled AWS call: Secrets Manager gives up after the request timeout, well within any function deadline', async () => {
    const client = new SecretsManagerClient({ ...sdkClientDefaults(), ...local, endpoint, credentials });

    const { error, elapsedMs } = await timed(() => client.send(new GetSecretValueCommand({ SecretId: 's' })));

    expect((error as Error).name).toBe('TimeoutError');
    expect(elapsedMs).toBeGreaterThanOrEqual(SDK_REQUEST_TIMEOUT_MS - 100);
    expect(elapsedMs).toBeLessThan(SDK_REQUEST_TIMEOUT_MS + 1_500);
  });

  it('stalled AWS call: EventBridge PutEvents gives up after the request timeout', async () => {
    const client = new EventBridgeClient({ ...sdkClientDefaults(), ...local, endpoint, credentials });
    const publisher = new EventBridgePublisher({ eventBusName: 'bus', source: 'call-control', client });

    const { error, elapsedMs } = await timed(() => publisher.publish('Call Updated', {}));

    expect(error).toBeInstanceOf(EventPublishError);
    expect((error as EventPublishError).errorCode).toBe('TimeoutError');
    expect(elapsedMs).toBeLessThan(SDK_REQUEST_TIMEOUT_MS + 1_500);
  });

  it('stalled AWS call: the idempotency table (DynamoDB, built by Powertools from sdkClientDefaults) gives up after the request timeout', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    try {
      const client = (idempotencyTable('call-control-idempotency') as unknown as { client: DynamoDBClient })
        .client;

      const { error, elapsedMs } = await timed(() =>
        client.send(new GetItemCommand({ TableName: 't', Key: { id: { S: 'k' } } })),
      );

      expect((error as Error).name).toBe('TimeoutError');
      expect(elapsedMs).toBeLessThan(SDK_REQUEST_TIMEOUT_MS + 1_500);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('keeps three attempts of connection plus request timeout under the shortest function timeout (10 s)', () => {
    expect(3 * (SDK_CONNECTION_TIMEOUT_MS + SDK_REQUEST_TIMEOUT_MS)).toBeLessThan(10_000);
  });
});

describe('an AWS SDK client built from sdkClientDefaults, against an answer that stalls after its headers', () => {
  let server: Server;
  let endpoint: string;
  /** How many of the next requests get headers and the start of a body, and then nothing. */
  let stallNext = 0;
  let requests = 0;
  let connections = 0;
  const held: Array<{ destroy(): void }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests += 1;
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        if (stallNext > 0) {
          stallNext -= 1;
          held.push(request.socket);
          response.write('{"Name":');
          return;
        }
        response.end('{"Name":"s","SecretString":"answered"}');
      });
    });
    server.on('connection', () => {
      connections += 1;
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    for (const socket of held) socket.destroy();
    server.close();
  });

  const client = (maxAttempts?: number) =>
    new SecretsManagerClient({
      ...sdkClientDefaults(),
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
    });

  it('fails with a TimeoutError once the socket has been silent for the socket timeout', async () => {
    stallNext = 1;
    const started = Date.now();

    const error = await client(1)
      .send(new GetSecretValueCommand({ SecretId: 's' }))
      .catch((e: unknown) => e);

    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(SDK_SOCKET_TIMEOUT_MS - 100);
    expect(Date.now() - started).toBeLessThan(SDK_SOCKET_TIMEOUT_MS + 1_500);
  });

  it('retries the stalled answer as the SDK retries a timeout, and reads the next attempt’s answer', async () => {
    stallNext = 1;
    requests = 0;

    const answer = await client().send(new GetSecretValueCommand({ SecretId: 's' }));

    expect(answer).toMatchObject({ SecretString: 'answered', $metadata: { attempts: 2 } });
    expect(requests).toBe(2);
  });

  it('keeps an idle pooled keep-alive socket past the socket timeout, and sends the next request on it', async () => {
    stallNext = 0;
    const reused = client();
    await reused.send(new GetSecretValueCommand({ SecretId: 's' }));
    const connectionsBefore = connections;

    await new Promise((resolve) => setTimeout(resolve, SDK_SOCKET_TIMEOUT_MS + 500));
    const answer = await reused.send(new GetSecretValueCommand({ SecretId: 's' }));

    expect(answer).toMatchObject({ SecretString: 'answered', $metadata: { attempts: 1 } });
    expect(connections).toBe(connectionsBefore);
    reused.destroy();
  });
});
