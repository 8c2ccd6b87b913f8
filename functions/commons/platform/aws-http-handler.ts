// The modules themselves, not named imports: `request` is read at call time, so the Powertools Tracer (which
// patches `http.request`/`https.request` for X-Ray when it is bundled) sees these requests, as it sees the SDK's.
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { buildQueryString, type HttpHandler, HttpResponse } from '@smithy/core/protocols';
import type {
  HttpHandlerOptions,
  HttpRequest,
  Logger,
  NodeHttpHandlerOptions,
  Provider,
} from '@smithy/types';
import { collectNodeStream } from './aws-sdk.ts';

/**
 * Stands in for `@smithy/node-http-handler` in the Lambda bundles (the esbuild alias of infra/runtime.ts), whose
 * only exports the AWS SDK clients take are `NodeHttpHandler` and `streamCollector`. This is that handler's
 * HTTP/1.1 path (@smithy/node-http-handler 4.14, Apache-2.0) as the functions use it: keep-alive agents
 * (50 sockets per origin, or the agent or agent options given), the connection, request and socket timeouts,
 * the abort signal, and the same errors, so that the SDK's retry strategy classifies them as it does the
 * original's (`TimeoutError` for a timeout and for `ECONNRESET`/`EPIPE`/`ETIMEDOUT`, `AbortError` on abort).
 * Left out, because no request the functions send needs it: waiting for `100 Continue` (S3 uploads), the
 * warning when 50 sockets per origin are busy, and TCP keep-alive probes on a socket still in use after 3 s
 * (every request of the functions times out sooner; Node's agent sets them on the sockets it keeps). The
 * timeouts are armed at once rather than deferred by a second, as the original does to save work on requests
 * that finish sooner (the connection and request timeouts fire at the same moments). The HTTP/2 handler is not
 * bundled either: no client of the functions uses it. test/integration/aws-http-handler.test.ts and
 * aws-http-handler-transport.test.ts (connection timeout, https) hold it to the original, exchange by exchange.
 */

/** The errors of `http.request` the original renames `TimeoutError`, so that the SDK retries them. */
const TIMEOUT_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

const KEEP_ALIVE = true;
const MAX_SOCKETS = 50;

const named = (error: Error, name: string, code?: string): Error =>
  Object.assign(error, { name }, code === undefined ? {} : { code });

/** The error of an aborted request, as the original builds it from the signal's reason. */
const abortError = (signal: HttpHandlerOptions['abortSignal']): Error => {
  const reason = signal && typeof signal === 'object' && 'reason' in signal ? signal.reason : undefined;
  if (!reason) return named(new Error('Request aborted'), 'AbortError');
  if (reason instanceof Error) {
    const error = named(new Error('Request aborted'), 'AbortError');
    error.cause = reason;
    return error;
  }
  return named(new Error(String(reason)), 'AbortError');
};

interface ResolvedConfig {
  connectionTimeout: number | undefined;
  requestTimeout: number | undefined;
  socketTimeout: number | undefined;
  defaultSocketTimeout: number | undefined;
  throwOnRequestTimeout: boolean | undefined;
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  logger: Logger | undefined;
}

const positive = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;

const isAgent = (value: unknown): value is http.Agent =>
  typeof (value as { destroy?: unknown } | undefined)?.destroy === 'function';

const resolveConfig = (options: NodeHttpHandlerOptions | undefined): ResolvedConfig => {
  const { httpAgent, httpsAgent } = options ?? {};
  return {
    connectionTimeout: options?.connectionTimeout,
    requestTimeout: options?.requestTimeout,
    socketTimeout: options?.socketTimeout,
    defaultSocketTimeout: positive(
      (options as { defaultSocketTimeout?: unknown } | undefined)?.defaultSocketTimeout,
    ),
    throwOnRequestTimeout: options?.throwOnRequestTimeout,
    httpAgent: isAgent(httpAgent)
      ? httpAgent
      : new http.Agent({ keepAlive: KEEP_ALIVE, maxSockets: MAX_SOCKETS, ...httpAgent }),
    httpsAgent: isAgent(httpsAgent)
      ? (httpsAgent as https.Agent)
      : new https.Agent({ keepAlive: KEEP_ALIVE, maxSockets: MAX_SOCKETS, ...httpsAgent }),
    logger: options?.logger,
  };
};

/** The request line's target: path, query and fragment, as the original joins them. */
const targetOf = (request: HttpRequest): string => {
  const query = request.query ? buildQueryString(request.query) : '';
  let path = request.path;
  if (query) path += `?${query}`;
  if (request.fragment) path += `#${request.fragment}`;
  return path;
};

/** Header values Node gives as arrays (`set-cookie`), joined with commas as the original does. */
const responseHeaders = (headers: IncomingMessage['headers']): Record<string, string> => {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) joined[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return joined;
};

const writeBody = (req: ClientRequest, body: unknown): void => {
  if (body instanceof Readable) {
    body.pipe(req);
  } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    req.end(body.length === 0 ? undefined : body);
  } else if (ArrayBuffer.isView(body)) {
    req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  } else if (body) {
    req.end(Buffer.from(body as ArrayBuffer));
  } else {
    req.end();
  }
};

/** Arms the timeouts of one request; returns what clears them. */
const armTimeouts = (
  req: ClientRequest,
  fail: (error: Error) => void,
  config: ResolvedConfig,
  requestTimeout: number | undefined,
): (() => void) => {
  const timers: NodeJS.Timeout[] = [];
  const { connectionTimeout } = config;
  if (connectionTimeout) {
    const timer = setTimeout(() => {
      req.destroy();
      fail(
        named(
          new Error(
            '@smithy/node-http-handler - the request socket did not establish a connection with the server ' +
              `within the configured timeout of ${connectionTimeout} ms.`,
          ),
          'TimeoutError',
        ),
      );
    }, connectionTimeout);
    timers.push(timer);
    req.on('socket', (socket) => {
      if (socket.connecting) socket.on('connect', () => clearTimeout(timer));
      else clearTimeout(timer);
    });
  }
  if (requestTimeout) {
    timers.push(
      setTimeout(() => {
        const message = `@smithy/node-http-handler - [${config.throwOnRequestTimeout ? 'ERROR' : 'WARN'}] a request has exceeded the configured ${requestTimeout} ms requestTimeout.`;
        if (!config.throwOnRequestTimeout) {
          (config.logger ?? console).warn?.(
            `${message} Init client requestHandler with throwOnRequestTimeout=true to turn this into an error.`,
          );
          return;
        }
        const error = named(new Error(message), 'TimeoutError', 'ETIMEDOUT');
        req.destroy(error);
        fail(error);
      }, requestTimeout),
    );
  }
  const socketTimeout = config.socketTimeout ?? config.defaultSocketTimeout;
  if (socketTimeout !== undefined && Number.isFinite(socketTimeout) && socketTimeout > 0) {
    armSocketTimeout(req, fail, socketTimeout, config.socketTimeout === undefined);
  }
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
};

/** Inactivity on the socket, once connected; a response already complete only lets the socket go. */
const armSocketTimeout = (
  req: ClientRequest,
  fail: (error: Error) => void,
  timeoutMs: number,
  serviceDefault: boolean,
): void => {
  let response: IncomingMessage | undefined;
  req.once('response', (res: IncomingMessage) => {
    response = res;
  });
  const onTimeout = () => {
    if (response?.complete) {
      req.socket?.destroy();
      return;
    }
    const error = named(
      new Error(
        `@smithy/node-http-handler - the request socket timed out after ${timeoutMs} ms of inactivity (${serviceDefault ? 'service default socket timeout' : 'configured by client requestHandler'}).`,
      ),
      'TimeoutError',
    );
    response?.destroy(error);
    req.destroy();
    fail(error);
  };
  const register = () => {
    const { socket } = req;
    if (!socket) req.once('socket', register);
    else if (socket.connecting) socket.once('connect', register);
    else {
      socket.setTimeout(timeoutMs, onTimeout);
      req.on('close', () => socket.removeListener('timeout', onTimeout));
    }
  };
  register();
};

/** The AWS SDK's Node.js HTTP/1.1 request handler, as the functions use it (see the module comment). */
export class NodeHttpHandler implements HttpHandler<NodeHttpHandlerOptions> {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private config: ResolvedConfig | undefined;
  private configProvider: Promise<ResolvedConfig>;

  /** A handler as it is, or a new one from options (or from a provider of options). */
  static create(
    instanceOrOptions?:
      | HttpHandler<object>
      | NodeHttpHandlerOptions
      | Provider<NodeHttpHandlerOptions | undefined>,
  ): HttpHandler<object> {
    if (typeof (instanceOrOptions as HttpHandler<object> | undefined)?.handle === 'function') {
      return instanceOrOptions as HttpHandler<object>;
    }
    return new NodeHttpHandler(instanceOrOptions as NodeHttpHandlerOptions | undefined);
  }

  constructor(options?: NodeHttpHandlerOptions | Provider<NodeHttpHandlerOptions | undefined>) {
    this.configProvider =
      typeof options === 'function' ? options().then(resolveConfig) : Promise.resolve(resolveConfig(options));
  }

  destroy(): void {
    this.config?.httpAgent.destroy();
    this.config?.httpsAgent.destroy();
  }

  async handle(
    request: HttpRequest,
    { abortSignal, requestTimeout }: HttpHandlerOptions = {},
  ): Promise<{ response: HttpResponse }> {
    this.config ??= await this.configProvider;
    const config = this.config;
    return new Promise((resolve, reject) => {
      if (abortSignal?.aborted) {
        reject(abortError(abortSignal));
        return;
      }
      let clearTimeouts = () => {};
      const fail = (error: Error) => {
        clearTimeouts();
        reject(error);
      };
      const isSSL = request.protocol === 'https:';
      const hostname = request.hostname ?? '';
      const auth =
        request.username != null || request.password != null
          ? `${request.username ?? ''}:${request.password ?? ''}`
          : undefined;
      const req = (isSSL ? https : http).request(
        {
          headers: request.headers,
          host: hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname,
          method: request.method,
          path: targetOf(request),
          port: request.port,
          agent: isSSL ? config.httpsAgent : config.httpAgent,
          auth,
        },
        (res) => {
          clearTimeouts();
          resolve({
            response: new HttpResponse({
              statusCode: res.statusCode || -1,
              reason: res.statusMessage,
              headers: responseHeaders(res.headers),
              body: res,
            }),
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        fail(TIMEOUT_ERROR_CODES.has(error.code ?? '') ? named(error, 'TimeoutError') : error);
      });
      if (abortSignal) {
        const onAbort = () => {
          req.destroy();
          fail(abortError(abortSignal));
        };
        if ('addEventListener' in abortSignal && typeof abortSignal.addEventListener === 'function') {
          const signal = abortSignal as unknown as globalThis.AbortSignal;
          signal.addEventListener('abort', onAbort, { once: true });
          req.once('close', () => signal.removeEventListener('abort', onAbort));
        } else {
          abortSignal.onabort = onAbort;
        }
      }
      clearTimeouts = armTimeouts(req, fail, config, requestTimeout ?? config.requestTimeout);
      writeBody(req, request.body);
    });
  }

  /** As the original: the client hands over its logger and its default socket timeout this way. */
  updateHttpClientConfig(key: keyof NodeHttpHandlerOptions | symbol, value: unknown): void {
    this.config = undefined;
    this.configProvider = this.configProvider.then((config) => {
      if (key === Symbol.for('logger')) return { ...config, logger: config.logger ?? (value as Logger) };
      if (key === Symbol.for('@smithy/defaultSocketTimeout')) {
        return { ...config, defaultSocketTimeout: config.defaultSocketTimeout ?? positive(value) };
      }
      return { ...config, [key]: value };
    });
  }

  httpHandlerConfigs(): NodeHttpHandlerOptions {
    return (this.config ?? {}) as NodeHttpHandlerOptions;
  }
}

/**
 * The clients' default collector of response bodies. Every client of the functions is given
 * `collectNodeStream` (aws-sdk.ts) already; a client built without it gets the same.
 */
export const streamCollector = collectNodeStream;
