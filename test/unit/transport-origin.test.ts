import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { urlToHttpOptions } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SignalWireClient } from '#commons/signalwire/client';
import { exchange, type HttpExchange, parseOrigin } from '#commons/signalwire/transport';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  if (server?.listening) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server on `host` that answers every request with what it received: method, path, Host header, body. */
const startEcho = async (host: string) => {
  const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      seen.push({ method: request.method, url: request.url, headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { seen, origin: new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}`) };
};

const send = (url: HttpExchange['url'], body?: string) =>
  exchange({
    method: body === undefined ? 'GET' : 'POST',
    url,
    headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    timeoutMs: 2_000,
    maxAnswerBytes: 1_024,
  });

describe('requests to an origin parsed once (the Calls paths)', () => {
  it.each([
    'http://127.0.0.1:8788',
    'https://example.signalwire.com',
    'http://localhost:80',
    'http://[::1]:9000',
  ])('reads %s as Node reads the URL itself (protocol, bare hostname, port)', (text) => {
    const expected = urlToHttpOptions(new URL(text));

    expect(parseOrigin(new URL(text))).toEqual({
      protocol: expected.protocol,
      hostname: expected.hostname,
      port: expected.port,
    });
  });

  it('sends the same request line, Host header and body as the same URL would', async () => {
    const echo = await startEcho('127.0.0.1');
    const path = '/api/laml/2010-04-01/Accounts/a%2Fb/Calls/c%20d.json?x=1';

    const byPath = await send({ origin: parseOrigin(echo.origin), path }, 'Status=completed');
    const byUrl = await send(new URL(path, echo.origin), 'Status=completed');

    expect(byPath).toEqual(byUrl);
    expect(byPath).toMatchObject({ status: 200, text: '{"ok":true}' });
    const [first, second] = echo.seen;
    expect(first).toMatchObject({ method: 'POST', url: path, body: 'Status=completed' });
    expect(first?.headers.host).toBe(echo.origin.host);
    expect(first?.headers['content-length']).toBe('16');
    expect(second).toEqual(first);
  });

  it("sends a body with its length in bytes, not chunked, leaving the caller's headers as they were", async () => {
    const echo = await startEcho('127.0.0.1');
    const headers = Object.freeze({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });
    const body = 'Url=%C3%A9&x=é\u{1F600}';
    const request = { method: 'POST', headers, body, timeoutMs: 2_000, maxAnswerBytes: 1_024 } as const;

    await exchange({ ...request, url: { origin: parseOrigin(echo.origin), path: '/a' } });
    await exchange({ ...request, url: new URL('/b', echo.origin) });

    for (const seen of echo.seen) {
      expect(seen.body).toBe(body);
      expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(body)));
      expect(seen.headers['transfer-encoding']).toBeUndefined();
      expect(seen.headers.accept).toBe('application/json');
    }
    expect(echo.seen).toHaveLength(2);
    expect(headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });
  });

  it.each(['CA0123456789abcdef0123456789abcdef', 'a b/c?d#e%f', '..', 'é\u{1F600}'])(
    'sends the call %s to the path the URL of the same text resolves to',
    async (callSid) => {
      const echo = await startEcho('127.0.0.1');
      const projectId = 'pro ject/ü';
      const client = new SignalWireClient({
        projectId,
        apiToken: 'PTtoken',
        spaceOrigin: echo.origin.origin,
        retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1 },
      });

      // The echo's answer is no Call: the update fails after it was sent, which is all this test reads.
      await client.updateCall(callSid, { Status: 'completed' }).catch(() => undefined);
      await client.getCall(callSid).catch(() => undefined);

      const expected = new URL(
        `/api/laml/2010-04-01/Accounts/${encodeURIComponent(projectId)}/Calls/${encodeURIComponent(callSid)}.json`,
        echo.origin,
      );
      expect(echo.seen.map(({ method, url }) => [method, url])).toEqual([
        ['POST', expected.pathname],
        ['GET', expected.pathname],
      ]);
    },
  );

  it('reaches an IPv6 origin (its brackets removed for Node, put back in the Host header)', async (context) => {
    let echo: Awaited<ReturnType<typeof startEcho>>;
    try {
      echo = await startEcho('::1');
    } catch {
      context.skip('no IPv6 loopback on this machine');
      return;
    }

    const answer = await send({ origin: parseOrigin(echo.origin), path: '/Calls/x.json' });

    expect(answer.status).toBe(200);
    expect(echo.seen[0]).toMatchObject({ method: 'GET', url: '/Calls/x.json' });
    expect(echo.seen[0]?.headers.host).toBe(echo.origin.host);
  });
});
