import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { type AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler as SdkNodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpHandler } from '#commons/platform/aws-http-handler';
import { collectNodeStream } from '#commons/platform/aws-sdk';
import { hasOpenssl, makeCertificates } from '../../bench/tls.ts';
import { projectScratchDirectory } from '../infra/support.ts';

/**
 * The connection side of functions/commons/platform/aws-http-handler.ts (the bundles' stand-in for
 * `@smithy/node-http-handler`), held to the SDK's handler as production uses it: https, a connection timeout
 * (sdkClientDefaults' 1 s), keep-alive, and a certificate that is not trusted.
 */

type Options = ConstructorParameters<typeof NodeHttpHandler>[0] &
  ConstructorParameters<typeof SdkNodeHttpHandler>[0];
type Handler = {
  handle(request: HttpRequest): Promise<{ response: { statusCode: number; body?: unknown } }>;
  destroy(): void;
};

const handlers: ReadonlyArray<[string, (options: Options) => Handler]> = [
  ['the SDK', (options) => new SdkNodeHttpHandler(options)],
  ['the stand-in', (options) => new NodeHttpHandler(options)],
];

/** What a call through `handler` came to: the answers' bodies and the client ports the server saw, or the failure. */
const outcome = async (handler: Handler, requests: HttpRequest[], ports: Array<number | undefined>) => {
  const started = Date.now();
  try {
    const bodies = [];
    for (const request of requests) {
      const { response } = await handler.handle(request);
      bodies.push(Buffer.from(await collectNodeStream(response.body)).toString('utf8'));
    }
    return { bodies, ports: [...ports], elapsedMs: Date.now() - started };
  } catch (error) {
    const { name, message, code } = error as NodeJS.ErrnoException;
    return { failed: { name, message, code }, elapsedMs: Date.now() - started };
  } finally {
    handler.destroy();
  }
};

/** An agent whose sockets never connect: the connection timeout's case, on loopback with no network at all. */
class NeverConnectingAgent extends http.Agent {
  readonly sockets_: Socket[] = [];

  override createConnection(): Socket {
    const socket = new Socket();
    // What a socket waiting on a TCP handshake looks like to http.ClientRequest: writes wait for 'connect'.
    Object.defineProperty(socket, 'connecting', { value: true, writable: true });
    this.sockets_.push(socket);
    return socket;
  }
}

describe('the HTTP handler of the bundles, connecting as the SDK’s does', () => {
  it('fails a socket that never connects at the connection timeout with the SDK’s TimeoutError', async () => {
    const results = [];
    for (const [, make] of handlers) {
      const agent = new NeverConnectingAgent();
      // The request timeout is only a backstop here: the connection timeout must come first.
      const handler = make({
        httpAgent: agent,
        connectionTimeout: 300,
        requestTimeout: 3_000,
        throwOnRequestTimeout: true,
      });
      const request = new HttpRequest({ protocol: 'http:', hostname: '127.0.0.1', port: 9, path: '/' });
      results.push(await outcome(handler, [request], []));
      expect(agent.sockets_).toHaveLength(1);
    }
    const [sdk, mine] = results;

    expect(mine && 'failed' in mine ? mine.failed : mine).toEqual(sdk && 'failed' in sdk ? sdk.failed : sdk);
    expect(mine).toMatchObject({
      failed: {
        name: 'TimeoutError',
        message:
          '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 300 ms.',
      },
    });
    for (const result of results) {
      expect(result?.elapsedMs).toBeGreaterThanOrEqual(280);
      expect(result?.elapsedMs).toBeLessThan(1_500);
    }
  });
});

describe.skipIf(!hasOpenssl())('the HTTP handler of the bundles over https, as the SDK’s', () => {
  const scratch = projectScratchDirectory();
  let server: https.Server;
  let port: number;
  let ca: string;
  let otherCa: string;
  const ports: Array<number | undefined> = [];

  beforeAll(async () => {
    const trusted = makeCertificates(join(scratch, 'trusted'));
    const other = makeCertificates(join(scratch, 'other'));
    if (!trusted || !other) throw new Error('openssl was found but made no certificate');
    ca = readFileSync(trusted.caFile, 'utf8');
    otherCa = readFileSync(other.caFile, 'utf8');
    server = https.createServer(trusted.server, (request, response) => {
      ports.push(request.socket.remotePort);
      request.resume();
      request.on('end', () => response.end(`{"over":"tls","path":${JSON.stringify(request.url)}}`));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const request = (path: string) =>
    new HttpRequest({ protocol: 'https:', hostname: '127.0.0.1', port, method: 'POST', path, body: '{}' });

  it('reads answers over https trusting the CA given as httpsAgent options, reusing the connection', async () => {
    const results = [];
    for (const [, make] of handlers) {
      ports.length = 0;
      const handler = make({ httpsAgent: { ca }, connectionTimeout: 1_000, requestTimeout: 2_000 });
      const result = await outcome(handler, [request('/first'), request('/second')], ports);
      results.push(result);
    }
    const [sdk, mine] = results;

    expect(mine).toMatchObject({
      bodies: ['{"over":"tls","path":"/first"}', '{"over":"tls","path":"/second"}'],
    });
    expect(mine && 'bodies' in mine ? mine.bodies : mine).toEqual(sdk && 'bodies' in sdk ? sdk.bodies : sdk);
    for (const result of results) {
      // Keep-alive: both requests came over one TLS connection.
      const [first, second] = result && 'ports' in result ? (result.ports ?? []) : [];
      expect(first).toBeDefined();
      expect(second).toBe(first);
    }
  });

  it('refuses a server whose certificate the given CA did not sign, with the SDK’s error', async () => {
    const results = [];
    for (const [, make] of handlers) {
      const handler = make({ httpsAgent: { ca: otherCa }, connectionTimeout: 1_000, requestTimeout: 2_000 });
      results.push(await outcome(handler, [request('/refused')], ports));
    }
    const [sdk, mine] = results;

    expect(mine && 'failed' in mine ? mine.failed : mine).toEqual(sdk && 'failed' in sdk ? sdk.failed : sdk);
    expect(mine).toMatchObject({ failed: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } });
  });
});
