import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP proxy in front of the emulator; see {@link startProxy}. */
export interface LoopbackProxy {
  /** Origin to point a client at, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Requests whose path was rewritten. */
  readonly rewritten: number;
  /** Requests forwarded in all. */
  readonly forwarded: number;
  /** Client connections accepted (TLS ones once the handshake is done): how often clients did not reuse one. */
  readonly connections: number;
  stop(): Promise<void>;
}

export interface ProxyOptions {
  /** Origin requests are forwarded to. */
  target: string;
  /** Maps the incoming path (query included) to the upstream one; identity for a pass-through proxy. */
  rewrite?: (path: string) => string;
  /** Serve https with this key and certificate (the client's side of the TLS rows); upstream stays http. */
  tls?: { key: string; cert: string };
  /** CA the proxy trusts for an https `target` (this agent only, never process-wide). */
  upstreamCa?: string;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

const forwardable = (headers: IncomingHttpHeaders): IncomingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

/**
 * The official SDK sends `/2010-04-01/...` without the documented `/api/laml` prefix, which SignalWire (and
 * the emulator) answer 404. The reference goes through this proxy with {@link addLamlPrefix}; the project goes
 * through the same proxy without a rewrite where the two are compared, so both pay the same extra hop.
 */
export const startProxy = async (options: ProxyOptions): Promise<LoopbackProxy> => {
  const target = new URL(options.target);
  const secure = target.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        maxSockets: 256,
        ...(options.upstreamCa ? { ca: options.upstreamCa } : {}),
      })
    : new Agent({ keepAlive: true, maxSockets: 256 });
  const send = secure ? httpsRequest : request;
  let rewritten = 0;
  let forwarded = 0;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const upstreamPath = options.rewrite ? options.rewrite(path) : path;
    if (upstreamPath !== path) rewritten++;
    forwarded++;
    const upstream = send(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: upstreamPath,
        headers: { ...forwardable(req.headers), host: target.host },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"message":"bench proxy: upstream failed"}');
    });
    req.pipe(upstream);
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);
  let connections = 0;
  server.on(options.tls ? 'secureConnection' : 'connection', () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get rewritten() {
      return rewritten;
    },
    get forwarded() {
      return forwarded;
    },
    get connections() {
      return connections;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
};

/** `/2010-04-01/...` (the SDK's path) becomes the documented `/api/laml/2010-04-01/...`. */
export const addLamlPrefix = (path: string): string =>
  path.startsWith('/2010-04-01/') ? `/api/laml${path}` : path;
