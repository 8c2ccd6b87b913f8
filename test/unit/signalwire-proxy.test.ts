import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalWireNetworkError } from '#commons/errors';
import { CALL_SID, PROJECT_ID, sampleCall } from '../support/fixtures.ts';

// Its own file: the client's keep-alive agents are made once per process, on first use, from the environment
// of that moment (vitest runs each file in a fresh fork).
const seen: Array<Pick<IncomingMessage, 'method' | 'url'> & { host: string | undefined }> = [];
const proxy = createServer((req, res) => {
  seen.push({ method: req.method, url: req.url, host: req.headers.host });
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(sampleCall()));
  });
});

// An https proxy that opens the tunnel (CONNECT answered 200) and then forwards nothing: the TLS handshake with
// the space never ends.
const tunnels: Socket[] = [];
const silentTunnel = createServer();
silentTunnel.on('connect', (_req: IncomingMessage, socket: Socket) => {
  tunnels.push(socket);
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
});

beforeAll(async () => {
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => silentTunnel.listen(0, '127.0.0.1', resolve));
  process.env.NODE_USE_ENV_PROXY = '1';
  process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  process.env.HTTPS_PROXY = `http://127.0.0.1:${(silentTunnel.address() as AddressInfo).port}`;
});

afterAll(async () => {
  delete process.env.NODE_USE_ENV_PROXY;
  delete process.env.HTTP_PROXY;
  delete process.env.HTTPS_PROXY;
  proxy.closeAllConnections();
  for (const socket of tunnels) socket.destroy();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await new Promise<void>((resolve) => silentTunnel.close(() => resolve()));
});

describe('SignalWireClient behind a proxy', () => {
  it('goes through HTTP_PROXY when NODE_USE_ENV_PROXY=1, as fetch would', async () => {
    const { SignalWireClient } = await import('#commons/signalwire/client');
    const client = new SignalWireClient({
      projectId: PROJECT_ID,
      apiToken: 'PTproxy-test-token-0123456789',
      // Not resolvable: only the proxy can answer for it.
      spaceOrigin: 'http://space.invalid',
    });

    const call = await client.getCall(CALL_SID);

    expect(call).toEqual(sampleCall());
    expect(seen).toEqual([
      {
        method: 'GET',
        url: `http://space.invalid/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls/${CALL_SID}.json`,
        host: 'space.invalid',
      },
    ]);
  });

  it('defect: a tunnel that never carries the handshake held the request past its timeout; now it fails unsent', async () => {
    const { SignalWireClient } = await import('#commons/signalwire/client');
    const client = new SignalWireClient({
      projectId: PROJECT_ID,
      apiToken: 'PTproxy-test-token-0123456789',
      spaceOrigin: 'https://space.invalid',
      timeoutMs: 300,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1 },
    });
    const started = Date.now();

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireNetworkError);
    expect(error).toMatchObject({
      mayHaveReachedServer: false,
      message: 'could not connect to SignalWire within 300 ms',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(tunnels).toHaveLength(1);
  });
});
