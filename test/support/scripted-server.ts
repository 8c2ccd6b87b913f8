import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a status and body, a delay, or a dropped socket. */
export type Script =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { drop: true };

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The client's port: requests on one kept-alive connection share it. */
  remotePort: number | undefined;
}

/**
 * A loopback HTTP server answering from a script, one entry per request (the last entry repeats), for
 * tests that need exact control over what the client sees: retry timings, resets, odd bodies.
 */
export const startScriptedServer = async (script: Script[]) => {
  const received: Received[] = [];
  let index = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort,
      });
      const step = script[Math.min(index++, script.length - 1)];
      if (!step || 'drop' in step) {
        req.socket.destroy();
        return;
      }
      const answer = () => {
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(typeof step.body === 'string' ? step.body : JSON.stringify(step.body ?? {}));
      };
      if (step.delayMs) setTimeout(answer, step.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** An origin where nothing listens (a server started and closed): every connection is refused, nothing sent. */
export const refusingOrigin = async (): Promise<string> => {
  const closed = await startScriptedServer([{ status: 200 }]);
  await closed.close();
  return closed.origin;
};

/**
 * A loopback HTTP proxy that refuses every CONNECT tunnel with the status line `answer()` gives (read per
 * tunnel, so a test may change it; `403 Forbidden` unless told) and answers a plain request 500. Its `url`
 * carries the password `hunter2`, which no output may show. `refusedTunnel(target)` is what Node's agent throws
 * for an https request through it (`ERR_PROXY_TUNNEL`): nothing reaches `target`.
 */
export const startRefusingProxy = async (answer: () => string = () => '403 Forbidden') => {
  const proxy = createServer((_req, res) => res.writeHead(500).end());
  proxy.on('connect', (_req, socket) => {
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 ${answer()}\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://ops:hunter2@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    url,
    refusedTunnel: (target: string, method = 'GET'): Promise<Error> =>
      new Promise((resolve, reject) => {
        const agent = new HttpsAgent({ proxyEnv: { HTTPS_PROXY: url } });
        const sent = request(target, { agent, method }, () =>
          reject(new Error('the proxy carried the request')),
        );
        sent.on('error', resolve);
        sent.end();
      }),
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
};
