import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { HttpRequest } from '@smithy/core/protocols';
import {
  NodeHttpHandler as SdkNodeHttpHandler,
  streamCollector as sdkStreamCollector,
} from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpHandler, streamCollector } from '#commons/platform/aws-http-handler';
import { collectNodeStream } from '#commons/platform/aws-sdk';

/**
 * functions/commons/platform/aws-http-handler.ts stands in for `@smithy/node-http-handler` in the bundles
 * (infra/runtime.ts BUNDLE_ALIAS). Here every exchange goes through both handlers, the SDK's and the stand-in,
 * against the same loopback server, and what the server received, what the caller got back and how each
 * failure is named must be the same.
 */

type Handler = {
  handle(
    request: HttpRequest,
    options?: HttpHandlerOptions,
  ): Promise<{ response: { statusCode: number; body?: unknown } }>;
  destroy?(): void;
};
type Options = ConstructorParameters<typeof NodeHttpHandler>[0] &
  ConstructorParameters<typeof SdkNodeHttpHandler>[0];

const handlers: ReadonlyArray<[string, (options?: Options) => Handler]> = [
  ['the SDK', (options) => new SdkNodeHttpHandler(options)],
  ['the stand-in', (options) => new NodeHttpHandler(options)],
];

let server: Server;
let port: number;
const sockets = new Set<Socket>();
/** What the server received, per request, in order. */
let received: Array<{
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
  remotePort?: number;
}> = [];

/** The answers of the server, by path: each gets the request and the response. */
const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
  '/echo': (_request, response) => {
    response.setHeader('set-cookie', ['a=1', 'b=2']);
    response.setHeader('content-type', 'application/x-amz-json-1.1');
    response.statusMessage = 'Fine Thanks';
    response.write('{"chunk":');
    response.end('"two"}');
  },
  '/error': (_request, response) => {
    response.writeHead(503, { 'content-type': 'application/json' }).end('{"__type":"ServiceUnavailable"}');
  },
  '/reset': (request) => {
    request.socket.resetAndDestroy();
  },
  '/stall': () => {},
  '/half': (_request, response) => {
    // Headers, then silence: the socket timeout's case.
    response.writeHead(200);
    response.write('part');
  },
};

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('latin1');
    });
    request.on('end', () => {
      received.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body,
        remotePort: request.socket.remotePort,
      });
      const path = (request.url ?? '').split('?')[0] ?? '';
      (routes[path] ?? routes['/echo'])?.(request, response);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  for (const socket of sockets) socket.destroy();
  server.close();
});

const request = (overrides: Partial<ConstructorParameters<typeof HttpRequest>[0]> = {}) =>
  new HttpRequest({
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    method: 'POST',
    path: '/echo',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    ...overrides,
  });

/** One exchange through a handler: what the server saw and what the caller got, or the failure's shape. */
const exchange = async (make: () => Handler, httpRequest: HttpRequest, options?: HttpHandlerOptions) => {
  received = [];
  const handler = make();
  try {
    const { response } = (await handler.handle(httpRequest, options)) as {
      response: { statusCode: number; reason?: string; headers: Record<string, string>; body: unknown };
    };
    const body = Buffer.from(await collectNodeStream(response.body)).toString('latin1');
    const { date: _date, ...headers } = response.headers;
    // The client's port differs from one connection to the next; the rest of what the server saw must not.
    const seen = received.map(({ remotePort: _port, ...entry }) => entry);
    return { received: seen, statusCode: response.statusCode, reason: response.reason, headers, body };
  } catch (error) {
    const { name, message, code, cause } = error as NodeJS.ErrnoException;
    return { received: received.map((entry) => entry.url), failed: { name, message, code, cause } };
  } finally {
    handler.destroy?.();
  }
};

/** The same exchange through both handlers. */
const both = async (
  httpRequest: () => HttpRequest,
  options?: Options,
  handleOptions?: () => HttpHandlerOptions,
) => {
  const results = [];
  for (const [, make] of handlers)
    results.push(await exchange(() => make(options), httpRequest(), handleOptions?.()));
  const [sdk, mine] = results;
  for (const result of results) {
    for (const entry of (result as { received: Array<{ headers?: Record<string, unknown> }> }).received) {
      if (typeof entry === 'object') delete entry.headers?.date;
    }
  }
  return { sdk, mine };
};

describe('the HTTP handler of the bundles, exchange by exchange against the SDK’s', () => {
  it.each([
    ['a JSON body as text', () => request({ body: '{"SecretId":"prod/signalwire"}' })],
    [
      'a body of bytes, a view into a larger buffer',
      () => request({ body: new Uint8Array(Buffer.from('xx{"a":"é"}yy')).subarray(2, 12) }),
    ],
    ['a Buffer body', () => request({ body: Buffer.from('{"b":1}') })],
    ['a streamed body', () => request({ body: Readable.from([Buffer.from('{"c":'), Buffer.from('3}')]) })],
    ['an empty body', () => request({ body: '' })],
    [
      'no body, a query with a list and an escaped value',
      () => request({ method: 'GET', body: undefined, query: { list: ['1', '2'], q: 'a b&c', flag: null } }),
    ],
    ['user name and password', () => request({ username: 'user', password: 'pass', body: '{}' })],
    ['an IPv6 host in brackets', () => request({ hostname: '[::ffff:127.0.0.1]', body: '{}' })],
    ['a 503 answer', () => request({ path: '/error', body: '{}' })],
  ])('sends %s and reads the answer as the SDK does', async (_case, make) => {
    const { sdk, mine } = await both(make);

    expect(mine).toEqual(sdk);
    expect(mine).toHaveProperty('statusCode');
  });

  it('reads a two-chunk answer with its status text and joins repeated headers with commas', async () => {
    const { mine } = await both(() => request({ body: '{}' }));

    expect(mine).toMatchObject({
      statusCode: 200,
      reason: 'Fine Thanks',
      body: '{"chunk":"two"}',
      headers: { 'set-cookie': 'a=1,b=2' },
    });
  });

  it('names a refused connection as the SDK does (not retried as a timeout)', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');

    const { sdk, mine } = await both(() => request({ port: closedPort, body: '{}' }));

    expect(mine).toEqual(sdk);
    expect(mine).toMatchObject({ failed: { name: 'Error', code: 'ECONNREFUSED' } });
  });

  it('names a connection reset TimeoutError, as the SDK does, so that its retry strategy retries it', async () => {
    const { sdk, mine } = await both(() => request({ path: '/reset', body: '{}' }));

    expect(mine).toEqual(sdk);
    expect(mine).toMatchObject({ failed: { name: 'TimeoutError', code: 'ECONNRESET' } });
  });

  it('fails a request unanswered past its request timeout with the SDK’s TimeoutError', async () => {
    const { sdk, mine } = await both(() => request({ path: '/stall', body: '{}' }), {
      requestTimeout: 150,
      throwOnRequestTimeout: true,
    });

    expect(mine).toEqual(sdk);
    expect(mine).toMatchObject({
      failed: {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
        message:
          '@smithy/node-http-handler - [ERROR] a request has exceeded the configured 150 ms requestTimeout.',
      },
    });
  });

  it('takes the request timeout of one call over the configured one', async () => {
    const { sdk, mine } = await both(
      () => request({ path: '/stall', body: '{}' }),
      { requestTimeout: 60_000, throwOnRequestTimeout: true },
      () => ({ requestTimeout: 100 }),
    );

    expect(mine).toEqual(sdk);
    expect(mine).toMatchObject({ failed: { name: 'TimeoutError', code: 'ETIMEDOUT' } });
  });

  it('fails an answer that stops half way past the socket timeout with the SDK’s TimeoutError', async () => {
    received = [];
    const failures = [];
    for (const [, make] of handlers) {
      const handler = make({ socketTimeout: 150 });
      const { response } = (await handler.handle(request({ path: '/half', body: '{}' }))) as {
        response: { body: unknown };
      };
      failures.push(
        await collectNodeStream(response.body).then(
          () => 'read',
          (error: Error) => ({ name: error.name, message: error.message }),
        ),
      );
      handler.destroy?.();
    }

    expect(failures[1]).toEqual(failures[0]);
    expect(failures[1]).toEqual({
      name: 'TimeoutError',
      message:
        '@smithy/node-http-handler - the request socket timed out after 150 ms of inactivity (configured by client requestHandler).',
    });
  });

  it('refuses a call whose signal is already aborted, sending nothing, as the SDK does', async () => {
    const reason = new Error('out of time');
    const { sdk, mine } = await both(
      () => request({ body: '{}' }),
      undefined,
      () => ({ abortSignal: AbortSignal.abort(reason) }),
    );

    expect(mine).toEqual(sdk);
    expect(mine).toMatchObject({
      received: [],
      failed: { name: 'AbortError', message: 'Request aborted', cause: reason },
    });
  });

  it('aborts a call in flight when its signal fires, with the reason as the message, as the SDK does', async () => {
    const { sdk, mine } = await both(
      () => request({ path: '/stall', body: '{}' }),
      undefined,
      () => ({ abortSignal: AbortSignal.timeout(100) }),
    );

    expect(mine).toEqual(sdk);
    expect(mine).toMatchObject({ failed: { name: 'AbortError' } });
  });

  it('keeps the connection alive: a second request goes over the same socket', async () => {
    const ports: Array<Array<number | undefined>> = [];
    for (const [, make] of handlers) {
      const handler = make();
      received = [];
      for (let i = 0; i < 2; i += 1) {
        const { response } = (await handler.handle(request({ body: '{}' }))) as {
          response: { body: unknown };
        };
        await collectNodeStream(response.body);
      }
      ports.push(received.map((entry) => entry.remotePort));
      handler.destroy?.();
    }

    for (const [first, second] of ports) expect(second).toBe(first);
  });

  it('is created as the SDK creates its handler: a handler as it is, otherwise from options or their provider', async () => {
    const given = new NodeHttpHandler();

    expect(NodeHttpHandler.create(given)).toBe(given);
    expect(NodeHttpHandler.create({ requestTimeout: 5 })).toBeInstanceOf(NodeHttpHandler);
    const fromProvider = new NodeHttpHandler(async () => ({
      requestTimeout: 100,
      throwOnRequestTimeout: true,
    }));
    await expect(fromProvider.handle(request({ path: '/stall', body: '{}' }))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(fromProvider.httpHandlerConfigs()).toMatchObject({ requestTimeout: 100 });
    expect(given.metadata).toEqual(new SdkNodeHttpHandler().metadata);
    expect(streamCollector).toBe(collectNodeStream);
    expect(typeof sdkStreamCollector).toBe('function');
  });

  it('serves a Secrets Manager client as its request handler: reads a secret, retrying a 503', async () => {
    let calls = 0;
    const aws = createServer((_request, response) => {
      calls += 1;
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (calls === 1) {
        response.writeHead(503).end('{"__type":"ServiceUnavailableException","message":"busy"}');
        return;
      }
      response.end('{"Name":"s","SecretString":"through the stand-in"}');
    });
    aws.listen(0, '127.0.0.1');
    await once(aws, 'listening');
    try {
      const client = new SecretsManagerClient({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${(aws.address() as AddressInfo).port}`,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        requestHandler: new NodeHttpHandler({ requestTimeout: 2_000, throwOnRequestTimeout: true }),
        retryStrategy: undefined,
      });

      const answer = await client.send(new GetSecretValueCommand({ SecretId: 's' }));

      expect(answer).toMatchObject({ SecretString: 'through the stand-in', $metadata: { attempts: 2 } });
      client.destroy();
    } finally {
      aws.close();
    }
  });
});
